/**
 * Poll `probe` until `ok` holds for what it returned, and return that; past `timeoutMs` throw,
 * naming what was awaited and the last value seen. The tests' one way to wait on the runtime.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<T> {
  const { timeoutMs = 10_000, everyMs = 50 } = opts;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** waitFor a probe that answers undefined until its value is there. */
export const waitForValue = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs?: number): Promise<T> =>
  waitFor(what, probe, (v) => v !== undefined, timeoutMs === undefined ? {} : { timeoutMs }) as Promise<T>;
