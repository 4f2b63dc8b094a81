import type { Alert } from '../../shared/alerts/model';
import { fingerprint } from '../../shared/labels/fingerprint';
import { parseConfigYaml } from '../../shared/config/loader';
import { envSecretResolver } from '../../shared/primitives/secrets';
import { senderFor } from '../../shared/channels/registry';
import { deliver } from '../../shared/delivery/deliver';
import { dispatch, type DispatchDeps, type DispatchResult } from '../../shared/dispatch/dispatch';
import { silentLogger } from '../../shared/log';
import { unpackBody } from '../../shared/queues/body';
import { NotificationMessage, RouterMessage, type IngestMessage } from '../../shared/queues/messages';
import { ALERTS_QUEUE, MAX_RECEIVES } from '../../shared/queues/names';
import type { OutgoingMessage, QueuePort } from '../../shared/queues/port';
import { compileConfig } from '../../shared/runtime/compiled-config';
import type { OneTimeSchedule, SchedulerPort } from '../../shared/schedules/port';
import type { Silence } from '../../shared/silences/model';
import type { GroupState } from '../../shared/grouping/model';
import type { DeliveryStore, GroupStore, Stores } from '../../shared/store/port';

/**
 * The router core against a store adapter (test/support/store-adapters.ts) with a virtual clock: timers (delayed messages and one-time
 * schedules) are kept, and `advance` runs the ones that come due, in time order, as SQS and
 * Scheduler would. Tests read `notifications` and the counters.
 */
/**
 * The receivers the router tests use: `team`, with two webhooks (`webhook[0]` told of everything,
 * `webhook[1]` of firing alerts only). Append it to a route's YAML.
 */
export const SIM_RECEIVERS = `
receivers:
  - name: team
    webhook_configs:
      - url: http://127.0.0.1:9/all
      - url: http://127.0.0.1:9/firing-only
        send_resolved: false
`;

export class RouterSim {
  now: number;
  readonly notifications: Array<NotificationMessage & { sentAt: number }> = [];
  /** Pending router messages: delayed flushes and scheduled ones. */
  readonly pending: Array<{ at: number; body: string; via: 'sqs' | 'scheduler'; name?: string }> = [];
  readonly silences: Silence[] = [];
  readonly counts = { puts: 0, dispatches: 0, scheduled: 0, delayed: 0, deletedSchedules: 0 };
  /** Fail the next N sends to channel queues (a partial failure after the group was written). */
  failChannelSends = 0;
  readonly deps: DispatchDeps;
  readonly groups: GroupStore;
  readonly deliveries: DeliveryStore;
  /** Notifications handed to `deliver` so far, by id, with the HTTP status their endpoint answered. */
  readonly delivered = new Map<string, number>();

  constructor(readonly stores: Stores, configYaml: string, start = Date.parse('2026-11-22T10:00:00.000Z')) {
    this.now = start;
    const config = compileConfig(parseConfigYaml(configYaml));
    const groups = stores.groups;
    this.groups = groups;
    this.deliveries = stores.deliveries;
    // The store itself, with its writes counted.
    const counting = Object.assign(Object.create(groups) as GroupStore, {
      put: (g: GroupState) => {
        this.counts.puts++;
        return groups.put(g);
      },
    });
    const queues: QueuePort = {
      send: async (queue: string, messages: OutgoingMessage[]) => {
        if (queue !== ALERTS_QUEUE && this.failChannelSends > 0) {
          this.failChannelSends--;
          throw new Error('injected: SQS SendMessageBatch failed');
        }
        for (const m of messages) {
          if (queue === ALERTS_QUEUE) {
            this.counts.delayed++;
            this.pending.push({ at: this.now + (m.delaySeconds ?? 0) * 1000, body: m.body, via: 'sqs' });
          } else {
            this.notifications.push({ ...NotificationMessage.parse(JSON.parse(unpackBody(m.body))), sentAt: this.now });
          }
        }
      },
      changeVisibility: async () => {},
    };
    const scheduler: SchedulerPort = {
      create: async (s: OneTimeSchedule) => {
        if (this.pending.some((p) => p.name === s.name)) return;
        this.counts.scheduled++;
        this.pending.push({ at: s.at.getTime(), body: s.body, via: 'scheduler', name: s.name });
      },
      delete: async (name: string) => {
        const i = this.pending.findIndex((p) => p.name === name);
        if (i >= 0) {
          this.pending.splice(i, 1);
          this.counts.deletedSchedules++;
        }
      },
    };
    this.deps = {
      config,
      groups: counting,
      inhibitions: stores.inhibitions,
      cooldowns: stores.cooldowns,
      storms: stores.storms,
      deliveries: this.deliveries,
      payloads: stores.payloads,
      history: stores.history,
      incidents: stores.incidents,
      silences: async () => this.silences.filter((s) => Date.parse(s.ends_at) > this.now),
      queues,
      scheduler,
      clock: () => new Date(this.now),
      log: silentLogger,
    };
  }

  async run(messages: RouterMessage[]): Promise<DispatchResult> {
    this.counts.dispatches++;
    return dispatch(messages, this.deps);
  }

  private seq = 0;
  /** Post alerts (one ingest message). */
  async post(alerts: Alert[], id = `m${++this.seq}`): Promise<DispatchResult> {
    return this.run([this.message(alerts, id)]);
  }

  message(alerts: Alert[], id = `m${++this.seq}`): IngestMessage {
    return { kind: 'alerts', id, receivedAt: new Date(this.now).toISOString(), source: 'generic', origin: {}, alerts };
  }

  /** Move the clock forward, running every timer that comes due on the way (one batch per due time). */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at);
      if (due.length === 0) break;
      const at = due[0]!.at;
      const batch = due.filter((p) => p.at === at);
      for (const p of batch) this.pending.splice(this.pending.indexOf(p), 1);
      this.now = Math.max(this.now, at);
      const res = await this.run(batch.map((p) => RouterMessage.parse(JSON.parse(p.body))));
      if (res.failed.size > 0) throw new Error(`dispatch failed for ${[...res.failed].join(', ')}`);
    }
    this.now = end;
  }

  /**
   * Run the sender on every notification not yet delivered, its endpoint answering `status` (a
   * 4xx is a permanent failure): the delivery records the router reads, and the wakes a failure sends.
   */
  async deliver(status = 200): Promise<void> {
    const fresh = this.notifications.filter((n) => !this.delivered.has(n.id));
    for (const n of fresh) {
      this.delivered.set(n.id, status);
      await deliver(n, 1, MAX_RECEIVES.channel, {
        config: this.deps.config,
        deliveries: this.deliveries,
        senderFor,
        http: { post: async () => ({ status, headers: {}, body: status < 300 ? 'ok' : 'no' }) },
        mail: { send: async () => ({ messageId: 'm' }) },
        sms: { send: async () => ({ messageId: 's' }) },
        secrets: envSecretResolver({}),
        clock: () => new Date(this.now),
        log: silentLogger,
        queues: this.deps.queues,
      });
    }
  }

  /** Notifications sent since `since` (epoch ms), as `receiver channel status [labels=status...]` lines. */
  summary(since = -Infinity): string[] {
    return this.notifications
      .filter((n) => n.sentAt >= since)
      .map((n) => `${n.receiver} ${n.channel.type}[${n.channel.index}] ${n.group.status} ${n.group.alerts.map((a) => `${a.labels.instance ?? a.labels.alertname}=${a.status}`).join(',')}`);
  }

  /** Timers pending within `ms` from now. */
  pendingWithin(ms: number): number {
    return this.pending.filter((p) => p.at <= this.now + ms).length;
  }
}

/** A generic alert on `instance`, started at `startsAt`. */
export function simAlert(instance: string, opts: { status?: 'firing' | 'resolved'; startsAt: number; labels?: Record<string, string>; endsAt?: number }): Alert {
  const labels = { alertname: 'DiskFull', instance, ...opts.labels };
  return {
    fingerprint: fingerprint(labels),
    status: opts.status ?? 'firing',
    labels,
    annotations: { summary: `disk on ${instance}` },
    startsAt: new Date(opts.startsAt).toISOString(),
    ...(opts.endsAt !== undefined ? { endsAt: new Date(opts.endsAt).toISOString() } : {}),
    source: 'generic',
  };
}
