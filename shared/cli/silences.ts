import { readFileSync } from 'node:fs';
import { apiCall, CliFailure } from './client';
import type { CliContext } from './context';
import { formatJson, formatTable, formatTime } from './output';

interface MatcherObject {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

/** A silence as /v1/silences shows it (the fields the CLI prints). */
interface SilenceRow {
  id: string;
  matchers: MatcherObject[];
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  status: { state: string };
}

/** `name="value"`, `name=~"re"`, `name!="value"`, `name!~"re"`, as Alertmanager prints matchers. */
export function formatMatcher(m: MatcherObject): string {
  const op = m.isEqual === false ? (m.isRegex ? '!~' : '!=') : m.isRegex ? '=~' : '=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/**
 * `silence add <matchers...>`: POST /v1/silences from now for `durationMs` (or until `end`).
 * Prints the new silence's id (as amtool does), or the silence with `--output json`.
 */
export async function addSilence(
  ctx: CliContext,
  matchers: readonly string[],
  opts: { durationMs: number; end?: Date; author: string; comment: string },
): Promise<void> {
  const start = new Date(ctx.now());
  const end = opts.end ?? new Date(start.getTime() + opts.durationMs);
  const silence: SilenceRow = await apiCall(ctx.target, 'POST', '/v1/silences', {
    matchers,
    // starts_at defaults to now, as alertflow's clock has it.
    ends_at: end.toISOString(),
    created_by: opts.author,
    comment: opts.comment,
  });
  ctx.out(ctx.output === 'json' ? formatJson(silence) : `${silence.id}\n`);
}

/**
 * `silence query [matchers...]`: active and pending silences (amtool's default), or expired ones
 * with `expired`; each matcher selects silences holding it, as Alertmanager's `filter` does.
 */
export async function querySilences(ctx: CliContext, matchers: readonly string[], opts: { expired?: boolean; quiet?: boolean }): Promise<void> {
  const silences: SilenceRow[] = [];
  for (const state of opts.expired ? ['expired'] : ['active', 'pending']) {
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ state, limit: '1000' });
      for (const m of matchers) q.append('filter', m);
      if (cursor) q.set('cursor', cursor);
      const res: { silences: SilenceRow[]; next_cursor: string | null } = await apiCall(ctx.target, 'GET', `/v1/silences?${q}`);
      silences.push(...res.silences);
      cursor = res.next_cursor;
    } while (cursor);
  }
  if (ctx.output === 'json') return ctx.out(formatJson(silences));
  if (opts.quiet) return ctx.out(silences.map((s) => `${s.id}\n`).join(''));
  ctx.out(
    formatTable(
      ['ID', 'Matchers', 'Starts At', 'Ends At', 'Created By', 'Comment'],
      silences.map((s) => [s.id, s.matchers.map(formatMatcher).join(' '), formatTime(s.starts_at), formatTime(s.ends_at), s.created_by, s.comment]),
    ),
  );
}

/** `silence expire <id...>`: DELETE /v1/silences/{id} for each; every id is tried, a failure of one fails the command. */
export async function expireSilences(ctx: CliContext, ids: readonly string[]): Promise<void> {
  const failures: string[] = [];
  for (const id of ids) {
    try {
      await apiCall(ctx.target, 'DELETE', `/v1/silences/${encodeURIComponent(id)}`);
      if (ctx.output === 'table') ctx.out(`expired ${id}\n`);
    } catch (err) {
      if (!(err instanceof CliFailure)) throw err;
      failures.push(err.message);
    }
  }
  if (failures.length > 0) throw new CliFailure(failures.join('\n'));
}

/** One silence of amtool's JSON export (`amtool silence query -o json`), as much as the import reads. */
interface ExportedSilence {
  id?: string;
  matchers: MatcherObject[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status?: { state?: string };
}

/**
 * `silence import <file.json>`: the silences of an amtool JSON export (a list, camelCase keys)
 * posted one by one to /api/v2/silences as new silences (their old ids belong to another
 * Alertmanager). Silences that have already ended are skipped. Prints `<old id> -> <new id>`
 * per silence; a silence alertflow refuses is reported and the rest are still imported (exit 1).
 */
export async function importSilences(ctx: CliContext, file: string): Promise<void> {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliFailure(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(list)) throw new CliFailure(`${file}: expected a JSON list of silences (amtool silence query -o json)`);
  const failures: string[] = [];
  const results: Array<{ old_id: string | null; id: string | null; skipped?: string; error?: string }> = [];
  let imported = 0;
  for (const [i, raw] of (list as Array<ExportedSilence | null>).entries()) {
    const name = raw?.id ?? `[${i}]`;
    if (typeof raw !== 'object' || raw === null || !Array.isArray(raw.matchers)) {
      failures.push(`${name}: not a silence (no matchers)`);
      results.push({ old_id: raw?.id ?? null, id: null, error: 'not a silence' });
      continue;
    }
    if (Date.parse(raw.endsAt) <= ctx.now()) {
      results.push({ old_id: raw.id ?? null, id: null, skipped: 'expired' });
      if (ctx.output === 'table') ctx.out(`${name} skipped: ended ${formatTime(raw.endsAt)}\n`);
      continue;
    }
    const body = {
      matchers: raw.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
      startsAt: raw.startsAt,
      endsAt: raw.endsAt,
      createdBy: raw.createdBy,
      comment: raw.comment,
    };
    try {
      const { silenceID } = await apiCall<{ silenceID: string }>(ctx.target, 'POST', '/api/v2/silences', body);
      imported++;
      results.push({ old_id: raw.id ?? null, id: silenceID });
      if (ctx.output === 'table') ctx.out(`${name} -> ${silenceID}\n`);
    } catch (err) {
      if (!(err instanceof CliFailure)) throw err;
      failures.push(`${name}: ${err.message}`);
      results.push({ old_id: raw.id ?? null, id: null, error: err.message });
    }
  }
  if (ctx.output === 'json') ctx.out(formatJson(results));
  else ctx.out(`imported ${imported} of ${list.length} silence(s)\n`);
  if (failures.length > 0) throw new CliFailure(`${failures.length} silence(s) not imported:\n${failures.join('\n')}`);
}
