import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { AlertList, compileTemplate, compileTemplateSet, KV, TemplateError, TemplateTime, type TemplateAlert, type TemplateData, type TemplateFile } from '../templates';
import { CliFailure } from './client';

/**
 * `template render`: a notification template rendered against an alert group, as a channel's
 * template field is (Alertmanager's data model: `.Status`, `.Alerts`, `.CommonLabels`, …, and
 * Alertmanager's default names such as `slack.default.title`).
 */

interface WebhookAlert {
  status?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

/** An Alertmanager webhook body (what `--alert` reads; a captured request's `body` too). */
export interface WebhookBody {
  receiver?: string;
  status?: string;
  alerts: WebhookAlert[];
  groupLabels?: Record<string, string>;
  externalURL?: string;
  groupKey?: string;
  truncatedAlerts?: number;
}

/** The group rendered when no `--alert` is given: one firing alert. */
export const SAMPLE_GROUP: WebhookBody = {
  receiver: 'team',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'critical' },
      annotations: { summary: 'disk 95% full', description: '/var/lib/postgresql has 2 GB left' },
      startsAt: '2026-11-22T09:50:00Z',
      generatorURL: 'http://prometheus.example.com/graph?g0.expr=disk',
      fingerprint: '25464961f2df65e8',
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  externalURL: 'http://127.0.0.1:3000',
  groupKey: '{}:{alertname="DiskFull"}',
};

/** Read `--alert`: a webhook body, a captured request (`{ body: … }`), a list of alerts, or one alert. */
export function readAlertGroup(file: string): WebhookBody {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliFailure(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const obj = doc as Record<string, unknown> | null;
  if (Array.isArray(doc)) return { alerts: doc as WebhookAlert[] };
  if (obj && typeof obj.body === 'object' && obj.body !== null && Array.isArray((obj.body as WebhookBody).alerts)) return obj.body as WebhookBody;
  if (obj && Array.isArray(obj.alerts)) return obj as unknown as WebhookBody;
  if (obj && typeof obj.labels === 'object') return { alerts: [obj as WebhookAlert] };
  throw new CliFailure(`${file}: expected an Alertmanager webhook body ({"alerts": [...]}), a list of alerts, or one alert ({"labels": {...}})`);
}

/** The name/value pairs every set has with the same value. */
function common(sets: ReadonlyArray<Record<string, string>>): KV {
  const [first, ...rest] = sets;
  if (!first) return new KV();
  return new KV(Object.entries(first).filter(([k, v]) => rest.every((s) => s[k] === v)));
}

/** Alertmanager's template data for a group: common labels and annotations are computed, the status is firing while any alert fires. */
export function groupData(group: WebhookBody): TemplateData {
  const alerts: TemplateAlert[] = group.alerts.map((a) => ({
    Status: a.status ?? 'firing',
    Labels: new KV(a.labels ?? {}),
    Annotations: new KV(a.annotations ?? {}),
    StartsAt: TemplateTime.parse(a.startsAt),
    EndsAt: TemplateTime.parse(a.endsAt),
    GeneratorURL: a.generatorURL ?? '',
    Fingerprint: a.fingerprint ?? '',
  }));
  return {
    Receiver: group.receiver ?? 'team',
    Status: group.status ?? (alerts.some((a) => a.Status === 'firing') ? 'firing' : 'resolved'),
    Alerts: new AlertList(alerts),
    GroupLabels: new KV(group.groupLabels ?? {}),
    CommonLabels: common(group.alerts.map((a) => a.labels ?? {})),
    CommonAnnotations: common(group.alerts.map((a) => a.annotations ?? {})),
    ExternalURL: group.externalURL ?? '',
    GroupKey: group.groupKey ?? '',
    TruncatedAlerts: group.truncatedAlerts ?? 0,
  };
}

/** The files of `--templates` globs, each glob's matches in sorted order; a glob matching nothing fails. */
export function readTemplateFiles(globs: readonly string[]): TemplateFile[] {
  const files: TemplateFile[] = [];
  for (const glob of globs) {
    const names = globSync(glob).sort();
    if (names.length === 0) throw new CliFailure(`--templates ${glob}: no such file`);
    for (const name of names) files.push({ name, text: readFileSync(name, 'utf8') });
  }
  return files;
}

/**
 * Render `template` (template text, or a file holding it) against `group`, with the `define`s of
 * `templateGlobs` (as a config's `templates:` list) and Alertmanager's default names. A template
 * that does not compile fails (exit 1) with its position; a render cut by a limit is said on stderr.
 */
export function renderTemplate(template: string, opts: { templateGlobs?: readonly string[]; group: WebhookBody; warn: (text: string) => void }): string {
  const isFile = existsSync(template) && statSync(template).isFile();
  const source = isFile ? readFileSync(template, 'utf8') : template;
  const files = readTemplateFiles(opts.templateGlobs ?? []);
  try {
    const set = compileTemplateSet(files);
    const compiled = compileTemplate(source, isFile ? template : 'template', set);
    return compiled.render(groupData(opts.group), {
      onLimit: (limit) => opts.warn(`alertflow: warning: the render was cut: it hit the ${limit === 'output' ? 'output size' : 'step'} limit\n`),
    });
  } catch (err) {
    if (err instanceof TemplateError) throw new CliFailure(err.message, { cause: err });
    throw err;
  }
}
