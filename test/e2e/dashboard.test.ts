import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { LocalRuntime } from '../../shared/local/runtime';
import { buildUiAssets } from '../../shared/ui/build';
import { gzippedBytes, UI_JS_BUDGET_GZ_BYTES } from '../../shared/ui/serve';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { launchChromium } from '../support/browser';
import { waitForValue } from '../support/wait';

/**
 * The dashboard (/ui) in Debian's headless Chromium, driven by playwright-core, against the local
 * runtime: sign in, filter by URL and go back, see a fired alert, silence it with the preview, ack
 * an incident from its page and see the escalation stop, retry a failed delivery, dark mode, a phone
 * viewport, the keyboard. With ALERTFLOW_SCREENSHOTS=<dir> it saves the main pages there
 * (docs/screenshots in the README were taken so).
 */
/**
 * The page's globals, as the functions passed to the browser see them: the project's types have no
 * DOM, and the page's CSP refuses strings to evaluate (no 'unsafe-eval').
 */
interface PageElement {
  textContent: string | null;
  id: string;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
  body: unknown;
  documentElement: { scrollWidth: number };
  activeElement: PageElement | null;
};
declare function getComputedStyle(element: unknown): { backgroundColor: string; getPropertyValue(name: string): string };

/** WCAG 2 contrast ratio of two `#rrggbb` colors. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const ADMIN = 'admin-token';
const READ_ONLY = 'read-only-token';
const SHOTS = process.env.ALERTFLOW_SCREENSHOTS;

let rt: LocalRuntime;
let hook: StandIn;
let browser: Browser;
let receiverFixed = false;

beforeAll(async () => {
  hook = await startStandIn();
  hook.respond = (req) => (req.path.startsWith('/broken') && !receiverFixed ? { status: 400, body: 'bad payload' } : { status: 200, body: 'ok' });
  rt = await startRuntimeWithConfig(
    `auth:
  tokens:
    - { name: admin, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest, read, manage] }
    - { name: viewer, secret: { env: READ_TOKEN }, scopes: [read] }
heartbeats:
  - name: nightly-backup
    every: 1d
escalation_policies:
  - name: critical
    steps:
      - notify: [oncall]
        wait: 1h
      - notify: [managers]
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['severity="critical"']
      escalation_policy: critical
    # A failed notification is sent again at the next group_interval (nothing was logged, as in
    # Alertmanager): at 1s its state would flip between firing (in flight) and failed as the page reads it.
    - matchers: ['alertname="Broken"']
      receiver: broken
      group_interval: 1h
    - matchers: ['alertname="Chatty"']
      receiver: chat
receivers:
  - name: chat
    slack_configs: [{ webhook_url: '${hook.url}/slack/T/B/x', channel: '#ops' }]
    teams_configs: [{ webhook_url: '${hook.url}/teams' }]
    email_configs: [{ from: alerts@example.com, to: [oncall@example.com] }]
  - name: team
    webhook_configs: [{ url: '${hook.url}/team' }]
  - name: oncall
    webhook_configs: [{ url: '${hook.url}/oncall' }]
  - name: managers
    webhook_configs: [{ url: '${hook.url}/managers' }]
  - name: broken
    webhook_configs: [{ url: '${hook.url}/broken' }]
`,
    { token: ADMIN, env: { READ_TOKEN: READ_ONLY } },
  );
  const posted = await apiRequest(rt.url, ADMIN, 'POST', '/v1/alerts', {
    alerts: [
      { labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' }, annotations: { summary: 'disk 95% full on db-1' } },
      { labels: { alertname: 'DiskFull', instance: 'db-2', severity: 'warning' }, annotations: { summary: 'disk 91% full on db-2' } },
      { labels: { alertname: 'CpuHigh', instance: 'web-1', severity: 'warning' } },
      { labels: { alertname: 'PaymentsDown', service: 'payments', severity: 'critical' }, annotations: { summary: 'payments API failing' } },
      { labels: { alertname: 'Broken', instance: 'x' } },
    ],
  });
  expect(posted.status).toBe(202);
  await hook.waitFor(4);
  // The receiver's refusal reaches the request before the sender records its verdict: the
  // dashboard shows `failed` only once it is recorded (a loaded machine made that later than the page).
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const broken = await apiRequest<{ alerts: Array<{ state: string }> }>(rt.url, ADMIN, 'GET', `/v1/alerts?filter=${encodeURIComponent('alertname="Broken"')}`);
    if (broken.body.alerts[0]?.state === 'failed') break;
  }
  browser = await launchChromium();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await rt?.close();
  await hook?.close();
});

async function signedIn(token = ADMIN, opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const page = await browser.newPage({ colorScheme: opts.colorScheme ?? 'light', viewport: opts.viewport ?? { width: 1280, height: 900 } });
  // Well inside the test's own timeout, so a failure names the step that waited.
  page.setDefaultTimeout(10_000);
  await page.goto(`${rt.url}/ui`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
  return page;
}

const shot = async (page: Page, name: string) => {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
};

describe('the dashboard (/ui) in headless Chromium', () => {
  it('is served with a strict Content-Security-Policy, and its JavaScript fits the 50 KB gzipped budget', async () => {
    const res = await fetch(`${rt.url}/ui`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).not.toMatch(/<script>(?!<\/)|<script[^>]*>[^<]+<\/script>/);
    const js = (await buildUiAssets()).get('/ui/app.js')!.body;
    expect(gzippedBytes(js)).toBeLessThanOrEqual(UI_JS_BUDGET_GZ_BYTES);
  });

  it('refuses a wrong token, signs in with the right one, and shows the fired alerts with their state', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
    await page.goto(`${rt.url}/ui`);
    await page.fill('#token', 'wrong');
    await page.click('button[type=submit]');
    await expect(page.textContent('[role=alert]')).resolves.toContain('not accepted');
    await page.fill('#token', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('.alert[data-id]');
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 5);
    expect(await page.textContent('.who')).toContain('admin');
    // The one whose notification the receiver refused shows `failed`.
    expect(await page.locator('.alert .badge[data-state=firing]').count()).toBe(4);
    expect(await page.locator('.alert[data-id]:has(.label:text("alertname=Broken")) .badge').getAttribute('data-state')).toBe('failed');
    await expect(page.title()).resolves.toBe('(4) alertflow');
    // The token is in no URL, and the page broke no Content-Security-Policy rule.
    expect(page.url()).not.toContain(ADMIN);
    expect(violations.filter((v) => /Content Security Policy/i.test(v))).toEqual([]);
    await shot(page, 'alerts');
    await page.close();
  });

  it('keeps the filter in the URL: a label click narrows it, Back widens it again, and the table view lists the same alerts', async () => {
    const page = await signedIn();
    await page.goto(`${rt.url}/ui#/alerts?filter=${encodeURIComponent('alertname="DiskFull"')}`);
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 2);
    await page.click('.alert .label:text("instance=db-1")');
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 1);
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('filter')).toBe('alertname="DiskFull", instance="db-1"');
    await page.goBack();
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 2);
    // The filter suggests label names and name="value" pairs of the listed alerts.
    const suggestions = await page.$$eval('#label-names option', (os) => os.map((o) => (o as unknown as { value: string }).value));
    // (each replaces the matcher being typed: the last one)
    expect(suggestions).toEqual(expect.arrayContaining(['instance=', 'instance="db-2"', 'alertname="DiskFull"']));
    await page.click('a.view-toggle');
    await page.waitForSelector('table.alerts-table tr.alert');
    expect(await page.locator('table.alerts-table tr.alert').count()).toBe(2);
    expect(page.url()).toContain('view=table');
    await page.close();
  });

  it('silences from the current filter with a live preview of what it mutes now', async () => {
    const page = await signedIn();
    await page.goto(`${rt.url}/ui#/alerts?filter=${encodeURIComponent('alertname="CpuHigh"')}`);
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 1);
    await page.click('a.button:text("Silence…")');
    await page.waitForSelector('#matchers');
    expect(await page.inputValue('#matchers')).toBe('alertname="CpuHigh"');
    await page.waitForFunction(() => document.querySelector('.preview')?.textContent === 'Would mute 1 firing alert now');
    await page.fill('#matchers', 'alertname=~"DiskFull|CpuHigh"');
    await page.waitForFunction(() => document.querySelector('.preview')?.textContent === 'Would mute 3 firing alerts now');
    await page.fill('#matchers', 'alertname="CpuHigh"');
    await page.waitForFunction(() => document.querySelector('.preview')?.textContent === 'Would mute 1 firing alert now');
    await page.waitForFunction(() => document.querySelector('.preview-day')?.textContent === 'and would have muted 1 in the last 24 hours');
    await page.fill('#comment', 'noisy during the deploy');
    await shot(page, 'silence');
    await page.click('button:text("Create silence")');
    await page.waitForFunction(() => document.querySelector('.alert .badge')?.getAttribute('data-state') === 'silenced', undefined, { timeout: 10_000 });
    const silences = await apiRequest<{ silences: Array<{ comment: string; created_by: string }> }>(rt.url, ADMIN, 'GET', '/v1/silences');
    expect(silences.body.silences).toEqual([expect.objectContaining({ comment: 'noisy during the deploy', created_by: 'admin' })]);
    await page.close();
  });

  it('acknowledges an incident from its page, and the escalation stops', async () => {
    const page = await signedIn();
    await page.click('header nav a:text("Incidents")');
    await page.waitForSelector('.incidents a');
    await page.click('.incidents a');
    await page.waitForSelector('.incident');
    expect(await page.textContent('.next-step')).toContain('step 2');
    // The next step counts down (an hour away).
    await page.waitForFunction(() => /\(in 0:59:\d\d\)|\(in 1:00:00\)/.test(document.querySelector('.countdown')?.textContent ?? ''));
    await shot(page, 'incident');
    await page.click('button:text("Acknowledge")');
    await page.waitForFunction(() => document.querySelector('.incident h1 .badge')?.getAttribute('data-state') === 'acknowledged');
    expect(await page.textContent('.next-step')).toBe('none: the escalation is stopped');
    expect(await page.locator('.timeline li[data-kind=acknowledged]').count()).toBe(1);
    // A note goes on the timeline, with who wrote it.
    await page.fill('#note', 'payments DB failed over; watching');
    await page.click('form.note button');
    await page.waitForSelector('.timeline li[data-kind=note]');
    expect(await page.textContent('.timeline li[data-kind=note]')).toContain('note by admin: payments DB failed over; watching');
    const id = page.url().split('#/incident/')[1]!;
    expect((await apiRequest(rt.url, ADMIN, 'POST', `/v1/incidents/${id}/notes`, { text: '  ' })).status).toBe(400);
    expect((await apiRequest(rt.url, ADMIN, 'POST', '/v1/incidents/no-such/notes', { text: 'x' })).status).toBe(404);
    expect((await apiRequest(rt.url, READ_ONLY, 'POST', `/v1/incidents/${id}/notes`, { text: 'x' })).status).toBe(403);
    const incidents = await apiRequest<{ incidents: Array<{ state: string; next_step: unknown; acknowledged_by: string }> }>(rt.url, ADMIN, 'GET', '/v1/incidents');
    expect(incidents.body.incidents[0]).toMatchObject({ state: 'acknowledged', next_step: null, acknowledged_by: 'admin' });
    await page.close();
  });

  it('lists the failed delivery and retries it once the receiver is fixed', async () => {
    const page = await signedIn();
    await page.click('header nav a:text("Deliveries")');
    await page.waitForSelector('tr.delivery');
    expect(await page.textContent('tr.delivery')).toContain('bad payload');
    await shot(page, 'deliveries');
    receiverFixed = true;
    const id = (await page.getAttribute('tr.delivery', 'data-id'))!;
    const before = hook.received.filter((r) => r.path.startsWith('/broken')).length;
    await page.click(`tr.delivery[data-id="${id}"] button:text("Retry")`);
    await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent?.includes('queued again'));
    await waitForValue('the retried notification posted', () => (hook.received.filter((r) => r.path.startsWith('/broken')).length > before ? true : undefined), 8_000);
    // It leaves the failed list, and the delivered one has it.
    await page.waitForFunction((d) => !document.querySelector(`tr.delivery[data-id="${d}"]`), id, { timeout: 10_000 });
    await page.click('.tabs a:text("delivered")');
    await page.waitForFunction((d) => !!document.querySelector(`tr.delivery[data-id="${d}"]`), id, { timeout: 10_000 });
    await page.close();
  });

  it('explains an alert, lists and expires silences, shows heartbeats and stats charts, and moves through alerts with j/k', async () => {
    const page = await signedIn();
    await page.goto(`${rt.url}/ui#/alerts?filter=${encodeURIComponent('alertname="DiskFull"')}`);
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 2);
    // j selects the first alert, Enter explains it.
    await page.locator('header .brand').click();
    await page.keyboard.press('j');
    await page.waitForSelector('.alert.selected');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.why .reasons');
    const reasons = await page.textContent('.why .reasons');
    expect(reasons).toContain('Routed to team in group {}:{alertname="DiskFull"}');
    await page.waitForSelector('.why tr.delivery');
    expect(await page.textContent('.why tr.delivery')).toContain('delivered');
    await shot(page, 'why');

    await page.click('header nav a:text("Silences")');
    await page.waitForSelector('tr.silence-row');
    expect(await page.textContent('tr.silence-row')).toContain('alertname="CpuHigh"');
    // Edited in place: same matchers and end, a new comment.
    const silenceId = (await page.getAttribute('tr.silence-row', 'data-id'))!;
    await page.click('tr.silence-row a.button:text("Edit")');
    await page.waitForFunction(() => (document.querySelector('#comment') as unknown as { value: string } | null)?.value === 'noisy during the deploy');
    expect(await page.inputValue('#matchers')).toBe('alertname="CpuHigh"');
    await page.fill('#comment', 'noisy until the deploy is done');
    await page.click('button:text("Save silence")');
    await page.waitForSelector('.alert[data-id]');
    const edited = await apiRequest<{ id: string; comment: string }>(rt.url, ADMIN, 'GET', `/v1/silences/${silenceId}`);
    expect(edited.body).toMatchObject({ id: silenceId, comment: 'noisy until the deploy is done' });
    await page.click('header nav a:text("Silences")');
    await page.waitForSelector('tr.silence-row');
    await page.click('tr.silence-row button:text("Expire")');
    await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent?.endsWith('expired'));
    await page.waitForFunction(() => document.querySelector('tr.silence-row .badge')?.getAttribute('data-state') === 'expired');

    await page.click('header nav a:text("Checks")');
    await page.waitForSelector('tr.heartbeat[data-name=nightly-backup]');
    // Never pinged yet, and not late: it counts from when alertflow first saw it.
    expect(await page.getAttribute('tr.heartbeat[data-name=nightly-backup] .badge', 'data-state')).toBe('ok');
    expect(await page.textContent('tr.heartbeat[data-name=nightly-backup]')).toContain('24.0 h');

    await page.click('header nav a:text("Stats")');
    await page.waitForSelector('.chart svg rect.bar');
    expect(await page.textContent('.summary-line')).toContain('alerts fired');
    expect(await page.locator('figure.chart').count()).toBe(4);
    await shot(page, 'stats');
    await page.close();
  });

  it('shows no actions to a read-only token', async () => {
    const page = await signedIn(READ_ONLY);
    await page.waitForSelector('.alert[data-id]');
    expect(await page.locator('a.button:text("Silence…")').count()).toBe(0);
    await page.goto(`${rt.url}/ui#/deliveries?status=all`);
    await page.waitForSelector('tr.delivery');
    expect(await page.locator('tr.delivery button').count()).toBe(0);
    await page.close();
  });

  it('follows the system dark mode, fits a 360 px phone, and works from the keyboard', async () => {
    const dark = await signedIn(ADMIN, { colorScheme: 'dark' });
    await dark.waitForSelector('.alert[data-id]');
    expect(await dark.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
    // WCAG AA: every text color at 4.5:1 or more on both backgrounds, in both schemes.
    for (const scheme of ['light', 'dark'] as const) {
      await dark.emulateMedia({ colorScheme: scheme });
      const vars = await dark.evaluate(() => {
        const s = getComputedStyle(document.documentElement);
        return Object.fromEntries(['--bg', '--panel', '--fg', '--muted', '--accent', '--firing', '--silenced', '--ok', '--warn'].map((v) => [v, s.getPropertyValue(v).trim()]));
      });
      for (const fg of ['--fg', '--muted', '--accent', '--firing', '--silenced', '--ok', '--warn']) {
        for (const bg of ['--bg', '--panel']) expect(contrast(vars[fg]!, vars[bg]!), `${scheme} ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
    }
    await dark.emulateMedia({ colorScheme: 'dark' });
    await shot(dark, 'alerts-dark');
    await dark.close();

    const phone = await signedIn(ADMIN, { viewport: { width: 360, height: 740 } });
    await phone.waitForSelector('.alert[data-id]');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(phone, 'alerts-phone');

    // `/` focuses the filter, `?` opens the help, Esc closes it, `g` then `i` goes to the incidents.
    await phone.locator('header .brand').click();
    await phone.keyboard.press('/');
    await phone.waitForFunction(() => document.activeElement?.id === 'filter');
    await phone.keyboard.press('Tab');
    await phone.keyboard.press('?');
    await phone.waitForSelector('[role=dialog]');
    await phone.keyboard.press('Escape');
    expect(await phone.locator('[role=dialog]').count()).toBe(0);
    await phone.keyboard.press('g');
    await phone.keyboard.press('i');
    await phone.waitForSelector('.incidents');
    expect(phone.url()).toContain('#/incidents');
    await phone.close();
  });

  it('shows new alerts as "N new" instead of reflowing, and acts on a selection: silences alerts and resolves incidents in bulk', async () => {
    const page = await signedIn();
    await page.goto(`${rt.url}/ui#/alerts?filter=${encodeURIComponent('alertname=~"Late|DiskFull"')}`);
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 2);
    await apiRequest(rt.url, ADMIN, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname: 'Late', instance: 'z' } }] });
    // The next refresh (every 5 s) finds it: the list stays as it was until asked.
    await page.waitForSelector('button.fresh:text("1 new")', { timeout: 15_000 });
    expect(await page.locator('.alert[data-id]').count()).toBe(2);
    await page.click('button.fresh');
    await page.waitForFunction(() => document.querySelectorAll('.alert[data-id]').length === 3);

    // Two DiskFull alerts selected, silenced together.
    await page.check('.alert:has(.label:text("instance=db-1")) input.pick');
    await page.check('.alert:has(.label:text("instance=db-2")) input.pick');
    await page.click('[role=toolbar] button:text("Silence 1 hour")');
    await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent === '2 silenced for 1 hour');
    await page.waitForFunction(() => document.querySelectorAll('.alert .badge[data-state=silenced]').length === 2, undefined, { timeout: 10_000 });

    await page.click('header nav a:text("Incidents")');
    await page.waitForSelector('.incidents input.pick');
    await page.check('.incidents input.pick');
    await page.click('[role=toolbar] button:text("Resolve")');
    await page.waitForFunction(() => document.querySelector('[role=status]')?.textContent === 'resolved 1 of 1');
    await page.waitForFunction(() => document.querySelector('.incidents .badge')?.getAttribute('data-state') === 'resolved');
    await page.close();
  }, 40_000);

  it('shows the local outbox: the Slack message, the Teams card and the email as their readers would see them', async () => {
    const before = hook.received.length;
    await apiRequest(rt.url, ADMIN, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname: 'Chatty', instance: 'q-1', severity: 'warning' }, annotations: { summary: 'queue q-1 is backing up' } }] });
    await waitForValue('the Slack and Teams posts', () => (hook.received.slice(before).filter((r) => r.path.startsWith('/slack') || r.path.startsWith('/teams')).length >= 2 ? true : undefined), 10_000);
    const page = await signedIn();
    await page.click('header nav a:text("Outbox")');
    await page.waitForSelector('.outbox-item[data-channel=slack] .slack');
    await page.waitForSelector('.outbox-item[data-channel=email]', { timeout: 10_000 });
    const slack = await page.textContent('.outbox-item[data-channel=slack]');
    expect(slack).toContain('Chatty');
    expect(slack).toContain('queue q-1 is backing up');
    // The message links back to the group's page on the dashboard.
    expect(slack).toContain('Open in alertflow');
    expect(await page.locator('.outbox-item[data-channel=teams] .teams-button:text("Open in alertflow")').count()).toBe(1);
    // The webhook URL's path is its secret: only the host is shown.
    expect(slack).not.toContain('/slack/T/B/x');
    const teams = await page.textContent('.outbox-item[data-channel=teams]');
    expect(teams).toContain('queue q-1 is backing up');
    expect(await page.locator('.outbox-item[data-channel=teams] .teams-facts dt').count()).toBeGreaterThan(0);
    expect(await page.textContent('.outbox-item[data-channel=email]')).toContain('oncall@example.com');
    await shot(page, 'outbox');
    await page.close();
  });
});
