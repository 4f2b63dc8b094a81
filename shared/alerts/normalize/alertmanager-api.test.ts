import { describe, expect, it } from 'vitest';
import { normalizeAlertmanagerApi } from './alertmanager-api';
import { fingerprint } from '../../labels/fingerprint';
import { RequestShapeError, ValidationError } from '../../errors';

const now = new Date('2026-12-07T10:00:00.000Z');
const opts = { now, resolveTimeoutMs: 5 * 60_000, maxAlerts: 10 };
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();

describe('POST /api/v2/alerts bodies, decided as Alertmanager 0.25 decides them', () => {
  it('takes what Prometheus sends: firing until its endsAt, with its generator URL', () => {
    const { alerts, rejected } = normalizeAlertmanagerApi(
      [{ labels: { alertname: 'HighLatency', job: 'api' }, annotations: { summary: 'slow' }, startsAt: at(-60_000), endsAt: at(240_000), generatorURL: 'http://prom:9090/graph?g0.expr=x' }],
      opts,
    );
    expect(rejected).toEqual([]);
    expect(alerts).toEqual([
      {
        fingerprint: fingerprint({ alertname: 'HighLatency', job: 'api' }),
        status: 'firing',
        labels: { alertname: 'HighLatency', job: 'api' },
        annotations: { summary: 'slow' },
        startsAt: at(-60_000),
        endsAt: at(240_000),
        generatorURL: 'http://prom:9090/graph?g0.expr=x',
        source: 'alertmanager-api',
      },
    ]);
  });

  it('an end not in the future is a resolve', () => {
    const { alerts } = normalizeAlertmanagerApi([{ labels: { alertname: 'A' }, startsAt: at(-60_000), endsAt: at(0) }], opts);
    expect(alerts[0]).toMatchObject({ status: 'resolved', endsAt: at(0) });
  });

  it('without endsAt the alert ends resolve_timeout from now; without startsAt it starts now, or at its end', () => {
    const { alerts } = normalizeAlertmanagerApi(
      [
        { labels: { alertname: 'NoTimes' } },
        { labels: { alertname: 'OnlyEnd' }, endsAt: at(-1_000) },
        // Go's zero time is how Go clients write "unset".
        { labels: { alertname: 'ZeroTimes' }, startsAt: '0001-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z' },
      ],
      opts,
    );
    expect(alerts.map((a) => [a.labels.alertname, a.status, a.startsAt, a.endsAt])).toEqual([
      ['NoTimes', 'firing', at(0), at(300_000)],
      ['OnlyEnd', 'resolved', at(-1_000), at(-1_000)],
      ['ZeroTimes', 'firing', at(0), at(300_000)],
    ]);
  });

  it('drops labels with an empty value, and needs one left', () => {
    const { alerts, rejected } = normalizeAlertmanagerApi([{ labels: { alertname: 'A', empty: '' } }, { labels: { only: '' } }], opts);
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'A' }]);
    expect(alerts[0]!.fingerprint).toBe(fingerprint({ alertname: 'A' }));
    expect(rejected).toEqual([{ path: '[1]', message: 'at least one label pair required' }]);
  });

  it('judges each alert alone: the valid ones are kept beside the invalid ones, which are named by index', () => {
    const { alerts, rejected } = normalizeAlertmanagerApi(
      [
        { labels: { alertname: 'Good' } },
        { labels: {} },
        { labels: { '0bad': 'x' } },
        { labels: { alertname: 'Backwards' }, startsAt: at(0), endsAt: at(-1_000) },
        { labels: { alertname: 'BadAnnotation' }, annotations: { 'bad-name': 'x' } },
      ],
      opts,
    );
    expect(alerts.map((a) => a.labels.alertname)).toEqual(['Good']);
    expect(rejected).toEqual([
      { path: '[1]', message: 'at least one label pair required' },
      { path: '[2]', message: 'invalid label set: invalid name "0bad"' },
      { path: '[3]', message: 'start time must be before end time' },
      { path: '[4]', message: 'invalid annotations: invalid name "bad-name"' },
    ]);
  });

  it("refuses the whole request when an alert does not have the schema's shape: 422, or 400 for a time that does not decode", () => {
    const shape = (body: unknown) => {
      try {
        normalizeAlertmanagerApi(body, opts);
      } catch (err) {
        if (err instanceof RequestShapeError) return [err.status, err.message];
        throw err;
      }
      throw new Error('accepted');
    };
    const good = { labels: { alertname: 'Good' } };
    expect(shape([good, { annotations: {} }])).toEqual([422, 'invalid Alertmanager API alerts: [1].labels: Required']);
    expect(shape([good, { labels: { alertname: 'X' }, generatorURL: 'not a url' }])).toEqual([422, 'invalid Alertmanager API alerts: [1].generatorURL: expected a URI']);
    expect(shape([good, 'not an alert'])[0]).toBe(422);
    expect(shape([good, { labels: { alertname: 'X' }, startsAt: 'yesterday' }])[0]).toBe(400);
    expect(shape({ alerts: [] })).toEqual([400, 'invalid Alertmanager API alerts: (root): expected a JSON array of alerts, got an object']);
    // A path, or any absolute URI, is a URI; so is none.
    expect(normalizeAlertmanagerApi([{ ...good, generatorURL: '/graph' }, { labels: { a: 'b' }, generatorURL: '' }], opts).alerts).toHaveLength(2);
  });

  it('refuses a list longer than ingest.max_alerts_per_request whole', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ labels: { alertname: `A${i}` } }));
    expect(() => normalizeAlertmanagerApi(many, opts)).toThrow(ValidationError);
    expect(() => normalizeAlertmanagerApi(many, opts)).toThrow(/too many alerts: 11 \(at most 10/);
  });
});
