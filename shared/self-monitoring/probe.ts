import { channelEntries, type ChannelEntry } from '../channels/keys';
import type { Receiver } from '../channels/receiver';
import type { SelfMonitoringConfig } from './config';
import { SYNTHETIC_HEARTBEAT } from './config';
import { recordPings, type HeartbeatDeps } from '../heartbeats/service';
import type { Logger } from '../log';
import type { ChannelType, HeartbeatPingMessage, ProbeMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import { encodeBody, type QueuePort } from '../queues/port';
import type { MetricsPort } from '../metrics/catalog';
import type { Heartbeat } from '../heartbeats/heartbeat';

/**
 * The synthetic heartbeat's last hops (ADR 0019): the router passes the synthetic ping on as a
 * probe to one channel queue, and that queue's sender records the ping and counts it in the metric
 * the out-of-band alarm watches. Nothing is posted: a real notification every period would be noise
 * at the receiver, and a receiver's own outage already shows in its channel's retries and DLQ.
 */

export interface ProbeTarget {
  receiver: string;
  channel: ChannelEntry;
}

/** What probes read of the config. */
export interface ProbeConfig {
  readonly self_monitoring?: SelfMonitoringConfig | undefined;
  readonly receivers: readonly Receiver[];
}

/** Where probes go: self_monitoring's receiver's first channel entry (the config check requires one). */
export function probeTarget(config: ProbeConfig): ProbeTarget | undefined {
  const receiver = config.receivers.find((r) => r.name === config.self_monitoring?.receiver);
  const channel = receiver && channelEntries(receiver)[0];
  return channel && { receiver: receiver.name, channel };
}

/**
 * Whether the router passes this ping on: the synthetic one, while the config has a target. Without
 * one (self_monitoring removed while it was queued) it is recorded as any ping, which drops it.
 */
export const isProbe = (ping: HeartbeatPingMessage, target: ProbeTarget | undefined): target is ProbeTarget =>
  target !== undefined && ping.probe === true && ping.heartbeat === SYNTHETIC_HEARTBEAT;

/** The probe for a synthetic ping: its id comes from the ping's, so a redelivered ping sends the same probe. */
export function probeFor(ping: HeartbeatPingMessage, target: ProbeTarget): ProbeMessage {
  return { kind: 'probe', id: `probe:${ping.id}`, at: ping.at, receiver: target.receiver, channel: { type: target.channel.type, index: target.channel.index } };
}

/** The router's part: send the probes of these synthetic pings. Returns the ids of the pings whose probe was not sent (retried). */
export async function sendProbes(pings: readonly HeartbeatPingMessage[], target: ProbeTarget | undefined, deps: { queues: QueuePort; log: Logger }): Promise<Set<string>> {
  if (pings.length === 0 || !target) return new Set();
  try {
    await deps.queues.send(
      channelQueueName(target.channel.type),
      pings.map((ping, i) => ({ id: `probe-${i}`, body: encodeBody(deps.queues, JSON.stringify(probeFor(ping, target))) })),
    );
    return new Set();
  } catch (err) {
    deps.log.warn('synthetic heartbeat probe could not be sent; retried', { queue: channelQueueName(target.channel.type), err });
    return new Set(pings.map((p) => p.id));
  }
}

export interface ProbeDeps extends Omit<HeartbeatDeps, 'config'> {
  config: { raw: ProbeConfig; heartbeats: ReadonlyMap<string, Heartbeat> };
  metrics?: MetricsPort | undefined;
}

/**
 * A sender's part, for the probes of one batch: the built-in heartbeat's ping is recorded once (the
 * latest), then the probes are counted in the metric. No channel is called and no delivery written.
 * False when the ping could not be recorded: the probes are retried, then dead-lettered (which the
 * DLQ alarm reports). A probe on a queue the config no longer probes (it changed while the probe
 * waited) is dropped: this sender may lack the grant, and the next one goes to the new target.
 */
export async function recordProbes(probes: readonly ProbeMessage[], type: ChannelType, deps: ProbeDeps): Promise<boolean> {
  if (probes.length === 0) return true;
  if (probeTarget(deps.config.raw)?.channel.type !== type) {
    deps.log.warn('synthetic heartbeat probe for a channel the config no longer probes; dropped', { probes: probes.map((p) => p.id) });
    return true;
  }
  const at = Math.max(...probes.map((p) => p.at));
  if ((await recordPings(new Map([[SYNTHETIC_HEARTBEAT, at]]), deps)).size > 0) return false;
  deps.metrics?.count('syntheticHeartbeats', probes.length);
  return true;
}
