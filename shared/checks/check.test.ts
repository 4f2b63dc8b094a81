import { describe, expect, it } from 'vitest';
import { checkAlert, compileCheck, evaluate, isDue, levelOf, relabel, stand, type Check, type CheckState, type Observation } from './check';
import { CheckConfig, type CheckConfigInput } from './config';

/**
 * The pure step of a threshold check: when it fires, at which severity, when it resolves, and what
 * missing data, failed queries and a cooldown do.
 */
const TICK = 1_000;

function check(over: Partial<CheckConfigInput> = {}): Check {
  return compileCheck(
    CheckConfig.parse({ name: 'api-errors', prometheus: { url: 'http://prom:9090', query: 'errors' }, condition: '>', warning: 1, critical: 5, every: '1s', ...over }),
    'config',
  );
}

/** Run observations through evaluate, one second apart; returns each step. */
function run(c: Check, observations: Observation[], from?: CheckState) {
  let state = from;
  let now = (from?.evaluatedAt ?? 1_000_000) + 1_000;
  return observations.map((obs) => {
    const step = evaluate(c, state, obs, now, TICK);
    state = step.next;
    now += 1_000;
    return step;
  });
}

const v = (value: number | undefined): Observation => ({ value });
const summary = (steps: ReturnType<typeof run>) =>
  steps.map((s) =>
    s.alerts
      .map((a) => `${a.kind}:${a.status}${a.severity ? `:${a.severity}` : ''}`)
      .sort()
      .join(' '),
  );

describe('levelOf', () => {
  it('is critical past critical, warning past warning, else ok, for each condition', () => {
    expect([0, 1, 2, 5, 6].map((x) => levelOf(check(), x))).toEqual(['ok', 'ok', 'warning', 'warning', 'critical']);
    expect([0, 1, 2, 5, 6].map((x) => levelOf(check({ condition: '>=' }), x))).toEqual(['ok', 'warning', 'warning', 'critical', 'critical']);
    expect([10, 5, 3, 0.5].map((x) => levelOf(check({ condition: '<', warning: 5, critical: 1 }), x))).toEqual(['ok', 'ok', 'warning', 'critical']);
    expect([1, 0].map((x) => levelOf(check({ condition: '==', warning: undefined, critical: 0 }), x))).toEqual(['ok', 'critical']);
    expect([1, 0].map((x) => levelOf(check({ condition: '!=', warning: 0, critical: undefined }), x))).toEqual(['warning', 'ok']);
  });
});

describe('evaluate', () => {
  it('fires after `for` consecutive breaching evaluations, re-sends while breaching, and resolves on the first ok one', () => {
    const steps = run(check({ for: 3 }), [v(6), v(6), v(0), v(6), v(6), v(6), v(7), v(0.5), v(0.5)]);
    expect(summary(steps)).toEqual(['', '', '', '', '', 'threshold:firing:critical', 'threshold:firing:critical', 'threshold:resolved:critical', '']);
    expect(steps[5]!.next).toMatchObject({ firing: 'critical', criticalStreak: 3, warningStreak: 3, lastValue: 6, level: 'critical' });
    expect(steps[7]!.next.firing).toBeUndefined();
    expect(steps[7]!.next.resolvedAt).toBe(steps[7]!.next.evaluatedAt);
    // The resolve and the firing that preceded it are the same alert (same start, same labels).
    expect(steps[7]!.alerts[0]!.startsAt).toBe(steps[5]!.alerts[0]!.startsAt);
  });

  it('goes warning then critical then back to warning: each change resolves the old severity and fires the new', () => {
    const steps = run(check({ for: 2 }), [v(2), v(3), v(6), v(7), v(3), v(0)]);
    expect(summary(steps)).toEqual([
      '',
      'threshold:firing:warning',
      'threshold:firing:warning',
      'threshold:firing:critical threshold:resolved:warning',
      // critical -> warning needs no new streak: the value stays past warning.
      'threshold:firing:warning threshold:resolved:critical',
      'threshold:resolved:warning',
    ]);
  });

  it('with only a critical threshold, fires critical and never warning', () => {
    const steps = run(check({ warning: undefined, for: 2 }), [v(2), v(6), v(6), v(2)]);
    expect(summary(steps)).toEqual(['', '', 'threshold:firing:critical', 'threshold:resolved:critical']);
  });

  it('missing data: ok resolves, breaching fires at the highest threshold, keep changes nothing, alert fires CheckNoData', () => {
    const breachThenMissing = (missing_data: CheckConfigInput['missing_data']) => summary(run(check({ missing_data }), [v(6), v(undefined), v(Number.NaN), v(6)]));
    expect(breachThenMissing('ok')).toEqual(['threshold:firing:critical', 'threshold:resolved:critical', '', 'threshold:firing:critical']);
    expect(breachThenMissing('breaching')).toEqual(['threshold:firing:critical', 'threshold:firing:critical', 'threshold:firing:critical', 'threshold:firing:critical']);
    expect(breachThenMissing('keep')).toEqual(['threshold:firing:critical', 'threshold:firing:critical', 'threshold:firing:critical', 'threshold:firing:critical']);
    expect(breachThenMissing('alert')).toEqual([
      'threshold:firing:critical',
      'no_data:firing threshold:firing:critical',
      'no_data:firing threshold:firing:critical',
      'no_data:resolved threshold:firing:critical',
    ]);
    // From ok: breaching fires after `for`; keep does not count toward it.
    expect(summary(run(check({ missing_data: 'breaching', for: 2 }), [v(undefined), v(undefined)]))).toEqual(['', 'threshold:firing:critical']);
    const kept = run(check({ missing_data: 'keep', for: 2 }), [v(6), v(undefined), v(6)]);
    expect(summary(kept)).toEqual(['', '', 'threshold:firing:critical']);
    expect(kept[1]!.next).toMatchObject({ lastValue: null, criticalStreak: 1 });
  });

  it('a failed query is never ok: it keeps what fires, counts, and fires CheckFailing after errors_before_alert until a query works', () => {
    const e: Observation = { error: 'Prometheus answered HTTP 503' };
    const steps = run(check({ errors_before_alert: 2 }), [v(6), e, e, e, v(0)]);
    expect(summary(steps)).toEqual([
      'threshold:firing:critical',
      'threshold:firing:critical',
      'failing:firing threshold:firing:critical',
      'failing:firing threshold:firing:critical',
      'failing:resolved threshold:resolved:critical',
    ]);
    expect(steps[3]!.next).toMatchObject({ errorStreak: 3, lastError: 'Prometheus answered HTTP 503', level: 'critical' });
    expect(steps[4]!.next.errorStreak).toBe(0);
    expect(steps[4]!.next.lastError).toBeUndefined();
    // From a fresh check: errors alone never fire the threshold alert, only CheckFailing.
    expect(summary(run(check({ errors_before_alert: 1 }), [e]))).toEqual(['failing:firing']);
  });

  it('after a resolve, the cooldown holds a new firing until it has passed', () => {
    // Evaluations one second apart; a 3 s cooldown from the resolve at the second one.
    const steps = run(check({ cooldown: '3s' }), [v(6), v(0), v(6), v(6), v(6), v(6)]);
    expect(summary(steps)).toEqual(['threshold:firing:critical', 'threshold:resolved:critical', '', '', 'threshold:firing:critical', 'threshold:firing:critical']);
  });

  it('versions each write and stamps the evaluation', () => {
    const [a, b] = run(check(), [v(0), v(0)]);
    expect(a!.next).toMatchObject({ version: 1, evaluatedAt: 1_001_000, writtenAt: 1_001_000, labels: {} });
    expect(b!.next.version).toBe(2);
  });
});

describe('the alerts a check sends', () => {
  it('carries the check name as alertname, its labels and severity, and templated annotations with the value', () => {
    const c = check({ labels: { team: 'api' }, annotations: { summary: 'error rate is {{ .Value }} ({{ .Severity }}, over {{ .Threshold }})', runbook: 'https://runbooks/{{ .Name }}' } });
    const [step] = run(c, [v(7.5)]);
    const alert = checkAlert(c, step!.alerts[0]!, step!.next);
    expect(alert).toMatchObject({
      status: 'firing',
      labels: { alertname: 'api-errors', check: 'api-errors', team: 'api', severity: 'critical' },
      annotations: { summary: 'error rate is 7.5 (critical, over 5)', runbook: 'https://runbooks/api-errors' },
      startsAt: new Date(1_001_000).toISOString(),
      endsAt: new Date(1_001_000 + 30_000).toISOString(),
    });
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const failing = checkAlert(c, { kind: 'failing', status: 'firing', startsAt: 1, endsAt: 2 }, { ...step!.next, errorStreak: 4, lastError: 'timeout' });
    expect(failing.labels).toEqual({ alertname: 'CheckFailing', check: 'api-errors', team: 'api' });
    expect(failing.annotations).toEqual({ summary: 'check api-errors failed 4 evaluations in a row', error: 'timeout' });
  });

  it('a label edit resolves what fired under the old labels and fires under the new at once', () => {
    const before = check({ labels: { team: 'api' } });
    const [fired] = run(before, [v(6)]);
    const after = check({ labels: { team: 'platform' } });
    const r = relabel(after, fired!.next, 2_000_000)!;
    expect(r.resolves.map((a) => `${a.kind}:${a.status}`)).toEqual(['threshold:resolved']);
    expect(checkAlert(r.old, r.resolves[0]!, r.state).labels.team).toBe('api');
    expect(r.state).toMatchObject({ criticalStreak: 1, version: fired!.next.version });
    const next = evaluate(after, r.state, v(6), 2_000_000, TICK);
    expect(next.alerts.map((a) => `${a.kind}:${a.status}`)).toEqual(['threshold:firing']);
    expect(checkAlert(after, next.alerts[0]!, next.next).labels.team).toBe('platform');
    expect(relabel(before, fired!.next, 2_000_000)).toBeUndefined();
  });

  it('pausing resolves everything that fires and clears the streaks', () => {
    const [, fired] = run(check({ missing_data: 'alert' }), [v(6), v(undefined)]);
    const step = stand(fired!.next, 5_000_000)!;
    expect(step.alerts.map((a) => `${a.kind}:${a.status}`).sort()).toEqual(['no_data:resolved', 'threshold:resolved']);
    expect(step.next).toMatchObject({ warningStreak: 0, criticalStreak: 0, resolvedAt: 5_000_000, version: fired!.next.version + 1 });
    expect(step.next.firing).toBeUndefined();
    expect(stand(step.next, 5_000_001)).toBeUndefined();
  });
});

describe('isDue', () => {
  it('is due every `every`, half a tick early rather than a tick late, and never while paused', () => {
    const c = check({ every: '1m' });
    const s = run(c, [v(0)])[0]!.next;
    expect(isDue(c, undefined, 0, 60_000)).toBe(true);
    expect(isDue(c, s, s.evaluatedAt + 29_999, 60_000)).toBe(false);
    expect(isDue(c, s, s.evaluatedAt + 30_000, 60_000)).toBe(true);
    expect(isDue(check({ paused: true }), undefined, 0, 60_000)).toBe(false);
  });
});

describe('the check schema', () => {
  const issues = (input: Record<string, unknown>) => {
    const r = CheckConfig.safeParse({ name: 'c', condition: '>', critical: 1, prometheus: { url: 'http://p:9090', query: 'up' }, ...input });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('needs one source, a threshold, thresholds in order, valid templates and CloudWatch keys', () => {
    expect(issues({})).toEqual([]);
    expect(issues({ cloudwatch: { namespace: 'AWS/SQS', metric: 'M', statistic: 'Maximum' } })).toEqual([': a check needs exactly one source: `prometheus` or `cloudwatch`']);
    expect(issues({ critical: undefined })).toEqual([': a check needs a `warning` or a `critical` threshold (or both)']);
    expect(issues({ warning: 5, critical: 1 })).toEqual(['critical: with condition >, critical must be at or beyond warning (5)']);
    expect(issues({ annotations: { summary: '{{ .Valeu }}' } })[0]).toMatch(/^annotations.summary: invalid template at line 1, column \d+: .*Valeu/);
    expect(issues({ every: '500ms' })).toEqual(['every: at least 1s']);
    // Past 100 years a check's next time leaves Date's range: every tick then failed, for every check.
    expect(issues({ every: '300000y', cooldown: '300000y' })).toEqual(['every: not a duration: "300000y" (at most 100y)', 'cooldown: not a duration: "300000y" (at most 100y)']);
    expect(issues({ prometheus: undefined, cloudwatch: { namespace: 'AWS/SQS', statistic: 'Maximum', period: 45 } })).toEqual(['cloudwatch.period: seconds: 1, 5, 10, 30 or a multiple of 60', 'cloudwatch.metric: required (or give an `expression`)']);
    expect(issues({ prometheus: undefined, cloudwatch: { expression: 'SUM(x)', metric: 'M' } })).toEqual(['cloudwatch.metric: give either `expression` or namespace/metric/statistic, not both']);
    expect(issues({ prometheus: { url: 'http://u:p@p:9090', query: 'up' } })).toEqual(['prometheus: the URL must not carry credentials']);
  });
});
