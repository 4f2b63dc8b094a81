import type { EscalationMessage } from '../queues/messages';
import { pendingTimer } from './incident';
import { onTimer, timerName, type EscalationDeps } from './service';

/** How often the auditor runs (a rate schedule deployed, an interval locally). */
export const AUDIT_INTERVAL_MS = 5 * 60_000;
/** A timer this late is taken for lost (SQS delays are seconds late at most; Scheduler fires within its minute). */
export const AUDIT_GRACE_MS = 2 * 60_000;
/** Open incidents one audit reads at most (open incidents are the ones people are working on: few). */
const MAX_AUDITED = 10_000;

export interface AuditResult {
  /** Open incidents looked at. */
  checked: number;
  /** Their pending timers overdue by more than the grace, each run now. */
  overdue: number;
  /** Of those, how many did something (a step ran, a lapsed ack re-triggered). */
  ran: number;
  /** Escalation schedules no incident expects any more (a delete that failed), deleted now. */
  orphaned: number;
}

/**
 * The escalation auditor: finds open incidents whose next step (or ack timeout) is overdue by more
 * than AUDIT_GRACE_MS, a timer that was lost (a Scheduler failure, a message gone to a DLQ), and
 * runs it as its timer would have, through the same guard (token, step, loop): a timer that was only
 * late and arrives after the audit does nothing.
 */
export async function auditIncidents<Cursor>(deps: EscalationDeps<Cursor>): Promise<AuditResult> {
  const result: AuditResult = { checked: 0, overdue: 0, ran: 0, orphaned: 0 };
  let after: Cursor | undefined;
  do {
    const now = deps.clock();
    const page = await deps.incidents.page('open', after, 100, now);
    after = page.last;
    for (const incident of page.incidents) {
      result.checked++;
      const timer = pendingTimer(incident);
      if (!timer || timer.at > now.getTime() - AUDIT_GRACE_MS) continue;
      result.overdue++;
      deps.log.warn('incident timer is overdue (lost?); running it from the audit', { incidentId: incident.id, action: timer.action, dueAt: new Date(timer.at).toISOString() });
      const message: EscalationMessage = {
        kind: 'escalation',
        id: timerName(timer),
        incidentId: timer.incidentId,
        token: timer.token,
        at: timer.at,
        action: timer.action,
        ...(timer.ref ? { loop: timer.ref.loop, step: timer.ref.step } : {}),
      };
      if ((await onTimer(message, deps)) === 'ran') result.ran++;
    }
  } while (after && result.checked < MAX_AUDITED);
  result.orphaned = await deleteOrphans(deps);
  return result;
}

/** `esc-<incident id>-<token>-<loop>-<step>` or `esc-<incident id>-<token>-ack` (see timerName). */
const SCHEDULE_NAME = /^esc-(inc-[A-Za-z0-9]+)-([A-Za-z0-9]+)-(?:\d+-\d+|ack)$/;

/**
 * Escalation schedules whose incident no longer expects them (ended, or under another token):
 * reported and deleted. They would do nothing when they fire (the guard), but they count against
 * the account's schedule quota until then, and a leftover is a sign of a delete that failed.
 */
async function deleteOrphans(deps: EscalationDeps): Promise<number> {
  if (!deps.scheduler.list) return 0;
  let orphaned = 0;
  for (const name of await deps.scheduler.list('esc-')) {
    const m = SCHEDULE_NAME.exec(name);
    if (!m) continue;
    const incident = await deps.incidents.get(m[1]!, deps.clock());
    const pending = incident && pendingTimer(incident);
    if (pending && timerName(pending) === name) continue;
    orphaned++;
    deps.log.warn('orphaned escalation schedule; deleting it', { schedule: name, incidentId: m[1] });
    await deps.scheduler.delete(name).catch((err: unknown) => deps.log.warn('could not delete an orphaned schedule', { schedule: name, err }));
  }
  return orphaned;
}
