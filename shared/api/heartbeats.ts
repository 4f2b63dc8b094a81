import { linkSigningKeys, type SecretResolver } from '../primitives/secrets';
import type { CompiledConfig } from '../runtime/compiled-config';
import { deadlineOf, pingKey, type HeartbeatState, type HeartbeatStore } from '../heartbeats/heartbeat';

/**
 * GET /v1/heartbeats (scope `read`): every configured heartbeat with its state, and its signed ping
 * URL for a caller that may ping (scope `ingest`): the URL pings without a token, so showing it to
 * a read-only token would let that token keep a dead man's switch alive. Pings go to the ingest
 * function (shared/ingest/heartbeat-pings.ts).
 */
export interface HeartbeatApiDeps {
  config: Pick<CompiledConfig, 'heartbeats' | 'raw'>;
  heartbeats: HeartbeatStore;
  secrets: SecretResolver;
  /** The base URL of ping URLs when the config sets no external_url (the local runtime's). */
  publicUrl?: (() => string | undefined) | undefined;
}

export async function listHeartbeats(deps: HeartbeatApiDeps, opts: { pingUrls: boolean }) {
  const heartbeats = [...deps.config.heartbeats.values()];
  const states = await deps.heartbeats.getMany(heartbeats.map((hb) => hb.name));
  // The first signing key signs (as links are signed). The built-in heartbeat has no URL, and a
  // deployment with only that one may have no key to read.
  const [key] = opts.pingUrls && heartbeats.some((hb) => !hb.builtin) ? await linkSigningKeys(deps.config.raw, deps.secrets) : [];
  const base = (deps.config.raw.external_url ?? deps.publicUrl?.())?.replace(/\/+$/, '');
  return {
    heartbeats: heartbeats.map((hb) => {
      const state: HeartbeatState | undefined = states.get(hb.name);
      return {
        name: hb.name,
        every_ms: hb.everyMs,
        grace_ms: hb.graceMs,
        // Not started: the next checks tick starts its first wait.
        status: state?.status ?? 'pending',
        pings: state?.pings ?? 0,
        last_ping_at: state && state.pings > 0 ? iso(state.lastPingAt) : null,
        deadline: state ? iso(deadlineOf(hb, state)) : null,
        missing_since: state?.missingSince === undefined ? null : iso(state.missingSince),
        pinged_by_alerts: hb.matchers !== undefined,
        ping_url: key && base && !hb.builtin ? `${base}/v1/heartbeats/${encodeURIComponent(hb.name)}/${pingKey(key, hb.name)}` : null,
      };
    }),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
