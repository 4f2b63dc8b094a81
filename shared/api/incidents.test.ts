import { describe, expect, it } from 'vitest';
import type { Incident, IncidentEvent } from '../escalation/incident';
import { addIncidentNote, getIncident, INCIDENT_MAX_NOTES, INCIDENT_TIMELINE_SHOWN } from './incidents';

const NOW = new Date('2026-12-07T12:00:00Z');
const incident: Incident = {
  id: 'inc-1',
  groupId: 'g',
  groupKey: '{}:{alertname="Disk"}',
  groupLabels: { alertname: 'Disk' },
  routeReceiver: 'team',
  policy: { name: 'p', steps: [], repeat: 0, ackTimeoutMs: undefined, ackAllowed: true, notifyOn: [] },
  state: 'triggered',
  token: 't',
  startedAt: NOW.getTime() - 3_600_000,
  paged: [],
  version: 1,
  updatedAt: NOW.getTime(),
};

/** An incident store holding one incident and the events given, recording more. */
function store(events: IncidentEvent[]) {
  return {
    get: async (id: string) => (id === incident.id ? incident : undefined),
    timeline: async () => [...events],
    record: async (_id: string, e: IncidentEvent) => void events.push(e),
  };
}

const deps = (events: IncidentEvent[]) => ({ incidents: store(events) as never, clock: () => NOW, config: { receivers: new Map() } as never });

describe('incident notes and timeline', () => {
  it(`takes ${INCIDENT_MAX_NOTES} notes on an incident, then answers 409`, async () => {
    const events: IncidentEvent[] = [];
    for (let i = 0; i < INCIDENT_MAX_NOTES; i++) await addIncidentNote(deps(events), 'inc-1', { text: `note ${i}` }, 'ops');
    await expect(addIncidentNote(deps(events), 'inc-1', { text: 'one more' }, 'ops')).rejects.toMatchObject({ status: 409 });
    expect(events).toHaveLength(INCIDENT_MAX_NOTES);
  });

  it(`shows the latest ${INCIDENT_TIMELINE_SHOWN} events and counts the others (acks and unacks have no limit)`, async () => {
    const events: IncidentEvent[] = Array.from({ length: INCIDENT_TIMELINE_SHOWN + 100 }, (_, i) => ({ id: `e${i}`, at: NOW.getTime() - 1_000_000 + i, kind: i % 2 ? 'acknowledged' : 'unacknowledged', actor: 'ops' }));
    const shown = await getIncident(deps(events), 'inc-1');
    expect(shown.timeline).toHaveLength(INCIDENT_TIMELINE_SHOWN);
    expect(shown.timeline_omitted).toBe(100);
    expect((await getIncident(deps(events.slice(0, 3)), 'inc-1')).timeline_omitted).toBeUndefined();
  });
});
