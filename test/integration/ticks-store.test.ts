import { describe, expect, it } from 'vitest';
import { CHECKS_TICK } from '../../shared/self-monitoring/ticks';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

/** The ticks store (the checks tick's last completed run, for GET /v1/health?deep=1), on both adapters. */
describe.each(STORE_ADAPTERS)('ticks store (%s)', (adapter) => {
  const fresh = freshStores(adapter);

  it('has nothing before the first run, then keeps the latest run: a late, older write does not move it back', async () => {
    const { ticks } = await fresh();
    expect(await ticks.last(CHECKS_TICK)).toBeUndefined();
    await ticks.record(CHECKS_TICK, new Date('2026-12-07T10:01:00Z'));
    expect(await ticks.last(CHECKS_TICK)).toEqual(new Date('2026-12-07T10:01:00Z'));
    await ticks.record(CHECKS_TICK, new Date('2026-12-07T10:00:00Z'));
    expect(await ticks.last(CHECKS_TICK)).toEqual(new Date('2026-12-07T10:01:00Z'));
    await ticks.record(CHECKS_TICK, new Date('2026-12-07T10:02:00Z'));
    expect(await ticks.last(CHECKS_TICK)).toEqual(new Date('2026-12-07T10:02:00Z'));
    // One item per job.
    expect(await ticks.last('audit')).toBeUndefined();
  });
});
