/**
 * The dashboard states the API answers it reads in its own build (ui/src/types.ts: browser code,
 * no server imports). Here, in the server's build, they are held to the server's views:
 * `npm run typecheck` fails when a view drops or retypes a field the dashboard reads.
 */
import type { DeliveryView } from '../../shared/api/deliveries';
import type { listHeartbeats } from '../../shared/api/heartbeats';
import type { getIncident, IncidentView } from '../../shared/api/incidents';
import type { SilenceJson, SilenceView } from '../../shared/api/silences';
import type { StatsAnswer } from '../../shared/api/stats';
import type { OutboxEntry } from '../../shared/local/outbox';
import type { DeliveryRow, HeartbeatRow, IncidentRow, OutboxBody, SilenceRow, StatsBody, TimelineEvent } from '../../ui/src/types';

/** `Server` as the dashboard reads it: an error here names the field that no longer fits. */
type Reads<Server extends Ui, Ui> = [Server, Ui];

type TimelineView = Awaited<ReturnType<typeof getIncident>>['timeline'][number];
type HeartbeatView = Awaited<ReturnType<typeof listHeartbeats>>['heartbeats'][number];

export type DashboardContract = [
  Reads<IncidentView, IncidentRow>,
  Reads<TimelineView, TimelineEvent>,
  Reads<DeliveryView, DeliveryRow>,
  Reads<SilenceJson<SilenceView>, SilenceRow>,
  Reads<StatsAnswer, StatsBody>,
  Reads<HeartbeatView, HeartbeatRow>,
  Reads<OutboxEntry, OutboxBody['messages'][number]>,
];
// Not held here: alerts and checks, which the API builds as plain records (alertJson, checks' view);
// test/e2e/dashboard.test.ts reads them through the real API in a browser.
