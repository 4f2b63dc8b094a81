import { describe, expect, it } from 'vitest';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

describe.each(STORE_ADAPTERS)('RateLimiter (%s store)', (adapter) => {
  const fresh = freshStores(adapter);

  it('gives concurrent senders distinct slots one interval apart, and an idle target a slot now', async () => {
    const limiter = (await fresh()).rateLimiter;
    const now = 1_800_000_000_000;
    const slots = await Promise.all(Array.from({ length: 8 }, () => limiter.reserve('slack:abc', 1000, now)));
    expect(slots.sort()).toEqual(Array.from({ length: 8 }, (_, i) => now + i * 1000));
    // Another target is independent.
    expect(await limiter.reserve('slack:other', 1000, now)).toBe(now);
    // Once the reserved slots have passed, the target is idle again.
    expect(await limiter.reserve('slack:abc', 1000, now + 60_000)).toBe(now + 60_000);
  });
});
