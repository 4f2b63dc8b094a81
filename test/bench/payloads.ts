import { fingerprint } from '../../shared/labels/fingerprint';

/**
 * The alert storms. Groups are `alertname` x `service` (the config groups by both): 20 alert names
 * across 10 services make 200 groups. A group's Slack title is `[FIRING:n] <alertname> <service>`
 * (group label values in label-name order), which is how the bench tells which group a Slack
 * message is for.
 */
const ALERTNAMES = [
  'HighLatency', 'HighErrorRate', 'DiskFilling', 'MemoryPressure', 'CPUThrottling',
  'PodCrashLooping', 'NodeNotReady', 'TargetDown', 'CertExpiring', 'QueueBacklog',
  'ReplicaLag', 'ConnectionSaturation', 'GCPauseLong', 'SlowQueries', 'ThreadPoolExhausted',
  'CacheMissRateHigh', 'ErrorBudgetBurn', 'HeartbeatMissing', 'FileDescriptorsHigh', 'NetworkErrors',
];

export interface StormPayload {
  /** `POST` path. */
  path: string;
  /** Request bodies, serialized once up front so the load generator does little work. */
  bodies: string[];
  alerts: number;
  /** Expected groups, keyed as the Slack title names them: `<alertname> <service>`. */
  groups: string[];
  describe: string;
  /**
   * The same alerts, one request per group: posting these leaves the state the storm leaves once it
   * has settled, without requests contending for groups. The bench seeds a re-send with them when
   * the storm itself does not settle in time.
   */
  seedBodies: string[];
}

export const GROUPS = 200;

function groupLabels(g: number): { alertname: string; service: string } {
  return { alertname: ALERTNAMES[g % ALERTNAMES.length]!, service: `svc-${String(Math.floor(g / ALERTNAMES.length)).padStart(2, '0')}` };
}

export const groupTitle = (g: number) => {
  const { alertname, service } = groupLabels(g);
  return `${alertname} ${service}`;
};

function alertContent(g: number, i: number) {
  const { alertname, service } = groupLabels(g);
  const instance = `ip-10-${g >> 8}-${g & 255}-${i}.ec2.internal:9100`;
  return {
    labels: { alertname, service, instance, job: 'node-exporter', env: 'prod', severity: 'warning' },
    annotations: {
      summary: `${alertname} on ${instance}`,
      description: `${alertname} has been firing for more than 5 minutes on ${instance} (service ${service}).`,
      runbook_url: `https://runbooks.example.com/${alertname.toLowerCase()}`,
    },
  };
}

/**
 * Storm A, as Alertmanager sends it: one webhook v4 POST per group, `perGroup` alerts each, with
 * Alertmanager's fingerprints.
 */
export function alertmanagerStorm(perGroup = 50, startsAt = new Date(Date.now() - 5 * 60_000)): StormPayload {
  const bodies: string[] = [];
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const { alertname, service } = groupLabels(g);
    const alerts = Array.from({ length: perGroup }, (_, i) => {
      const { labels, annotations } = alertContent(g, i);
      return {
        status: 'firing',
        labels,
        annotations,
        startsAt: new Date(startsAt.getTime() + i * 1000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: `http://prometheus:9090/graph?g0.expr=${encodeURIComponent(`${alertname}{service="${service}"}`)}&g0.tab=1`,
        fingerprint: fingerprint(labels),
      };
    });
    bodies.push(
      JSON.stringify({
        receiver: 'alertflow',
        status: 'firing',
        alerts,
        groupLabels: { alertname, service },
        commonLabels: { alertname, service, job: 'node-exporter', env: 'prod', severity: 'warning' },
        commonAnnotations: { runbook_url: `https://runbooks.example.com/${alertname.toLowerCase()}` },
        externalURL: 'http://alertmanager:9093',
        version: '4',
        groupKey: `{}:{alertname="${alertname}", service="${service}"}`,
        truncatedAlerts: 0,
      }),
    );
    groups.push(groupTitle(g));
  }
  return {
    path: '/v1/webhooks/alertmanager',
    bodies,
    alerts: GROUPS * perGroup,
    groups,
    describe: `Alertmanager webhook v4: ${GROUPS * perGroup} alerts in ${GROUPS} groups, one POST per group (${perGroup} alerts)`,
    seedBodies: bodies,
  };
}

/** Storm B, mixed: generic alerts in requests of `perRequest`, alert i in group i % 200. */
export function genericStorm(total = 10_000, perRequest = 100): StormPayload {
  const alert = (i: number) => {
    const { labels, annotations } = alertContent(i % GROUPS, Math.floor(i / GROUPS));
    const { alertname, severity, ...rest } = labels;
    return {
      name: alertname,
      severity,
      labels: rest,
      summary: annotations.summary,
      description: annotations.description,
      annotations: { runbook_url: annotations.runbook_url },
    };
  };
  const bodies: string[] = [];
  for (let start = 0; start < total; start += perRequest) {
    const alerts = [];
    for (let i = start; i < Math.min(total, start + perRequest); i++) alerts.push(alert(i));
    bodies.push(JSON.stringify({ alerts }));
  }
  const seedBodies: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const alerts = [];
    for (let i = g; i < total; i += GROUPS) alerts.push(alert(i));
    seedBodies.push(JSON.stringify({ alerts }));
  }
  return {
    path: '/v1/alerts',
    bodies,
    alerts: total,
    groups: Array.from({ length: GROUPS }, (_, g) => groupTitle(g)),
    describe: `generic /v1/alerts: ${total} alerts in requests of ${perRequest}, alert i in group i % ${GROUPS} (${bodies.length} POSTs)`,
    seedBodies,
  };
}
