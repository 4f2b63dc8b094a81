/**
 * The API answers the dashboard reads (snake_case, README "API conventions"): only the fields it
 * uses. test/e2e/dashboard-api-types.ts holds these to the server's views in the server's build.
 */

export interface AlertGroupRef {
  id: string;
  key: string;
  receiver: string;
}

export interface AlertRow {
  id: string;
  status: string;
  state: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: string;
  silenced_by: string[];
  inhibited_by: string[];
  flapping: boolean;
  groups: AlertGroupRef[];
}

export interface IncidentRow {
  id: string;
  state: string;
  group_key: string;
  group_labels: Record<string, string>;
  policy: string;
  started_at: string;
  step: { run: number; step: number; at: string } | null;
  next_step: { run: number; step: number; at: string; notify: string[] } | null;
  steps: number;
  acknowledged_by: string | null;
  ack_expires_at: string | null;
  ack_allowed: boolean;
  next_timer_at: string | null;
  resolved_at: string | null;
  suspended: { reason: string; since: string } | null;
}

export interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  text?: string;
  step?: number;
  notify?: string[];
  deliveries?: ReadonlyArray<{ id: string; receiver: string; channel: string; status: string; attempts: number; last_error: string | null }>;
}

export interface SilenceRow {
  id: string;
  matchers: Array<{ name: string; value: string; is_regex: boolean; is_equal: boolean }>;
  status: { state: string };
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
}

export interface CheckRow {
  name: string;
  origin: string;
  paused: boolean;
  state: { status: string; level: string | null; last_value: number | null; evaluated_at: string | null; last_error: string | null };
}

export interface HeartbeatRow {
  name: string;
  status: string;
  every_ms: number;
  last_ping_at: string | null;
}

export interface Quantiles {
  median_s: number | null;
  p90_s: number | null;
  count: number;
}

export interface StatsBody {
  since: string;
  until: string;
  partial?: boolean;
  alerts?: { fired: number; resolved: number; by_receiver: Array<{ receiver: string; fired: number }>; by_route: Array<{ route: string; fired: number }> };
  incidents?: { started: number; acknowledged: number; resolved: number; time_to_acknowledge: Quantiles; time_to_resolve: Quantiles };
  noisiest?: Array<{ alertname: string; fired: number }>;
  flapping?: Array<{ alertname: string; resolves: number; receiver: string }>;
  deliveries?: Array<{ channel: string; delivered: number; failed: number; pending: number; success_rate: number | null }>;
}

export interface DeliveryRow {
  id: string;
  status: string;
  receiver: string;
  channel: string;
  created_at: string | null;
  group_key: string | null;
  group_id: string | null;
  attempts: number;
  last_error: string | null;
  retryable: boolean;
}

export interface OutboxBody {
  messages: Array<{ channel: 'email' | 'sms'; at: string; recipients: string[]; subject?: string; body: string }>;
  posted: Array<{ channel: 'slack' | 'teams'; at: string; host: string; status: number; body: Record<string, unknown> }>;
}
