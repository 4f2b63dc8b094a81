import type { EscalationMessage } from '../queues/messages';
import type { ListKey } from '../store/keys';
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
}

/**
 * The escalation auditor: finds open incidents whose next step (or ack timeout) is overdue by more
 * than AUDIT_GRACE_MS, a timer that was lost (a Scheduler failure, a message gone to a DLQ), and
 * runs it as its timer would have, through the same guard (token, step, loop): a timer that was only
 * late and arrives after the audit does nothing.
 */
export async function auditIncidents(deps: EscalationDeps): Promise<AuditResult> {
  const result: AuditResult = { checked: 0, overdue: 0, ran: 0 };
  let after: ListKey | undefined;
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
  return result;
}
