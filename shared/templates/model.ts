import { Duration, TemplateTime, formatTime } from './gotime';
import { AlertList, KV, Pairs, element, isStruct, listItems, structField, toText, type Value } from './values';

/**
 * The data model twice over: static types, so compileTemplate can reject `.Labelz` or
 * `.Alerts.Labels` before a notification is ever sent, and the methods of Alertmanager's types
 * (`.SortedPairs`, `.Alerts.Firing`, `.StartsAt.Format`), the only methods a template can call.
 */
export type SType =
  | { readonly k: 'any' | 'string' | 'number' | 'bool' | 'nil' | 'time' | 'duration' | 'kv' | 'pairs' | 'alerts' }
  | { readonly k: 'list'; readonly elem: SType }
  | { readonly k: 'struct'; readonly name: string; readonly fields: ReadonlyMap<string, SType> };

export const T = {
  any: { k: 'any' },
  string: { k: 'string' },
  number: { k: 'number' },
  bool: { k: 'bool' },
  nil: { k: 'nil' },
  time: { k: 'time' },
  duration: { k: 'duration' },
  kv: { k: 'kv' },
  pairs: { k: 'pairs' },
  alerts: { k: 'alerts' },
} as const satisfies Record<string, SType>;

export const list = (elem: SType): SType => ({ k: 'list', elem });
const struct = (name: string, fields: [string, SType][]): SType => ({ k: 'struct', name, fields: new Map(fields) });

export const STRINGS = list(T.string);
export const PAIR = struct('Pair', [
  ['Name', T.string],
  ['Value', T.string],
]);
export const ALERT = struct('Alert', [
  ['Status', T.string],
  ['Labels', T.kv],
  ['Annotations', T.kv],
  ['StartsAt', T.time],
  ['EndsAt', T.time],
  ['GeneratorURL', T.string],
  ['Fingerprint', T.string],
]);
/** The type of `.` at the top of a template: TemplateData. */
export const DATA = struct('Data', [
  ['Receiver', T.string],
  ['Status', T.string],
  ['Alerts', T.alerts],
  ['GroupLabels', T.kv],
  ['CommonLabels', T.kv],
  ['CommonAnnotations', T.kv],
  ['ExternalURL', T.string],
  ['GroupKey', T.string],
  ['TruncatedAlerts', T.number],
]);

/**
 * The type of `.` in a threshold check's annotations (shared/checks): the value it saw and what it
 * decided. `Value` is nil when the source returned no data.
 */
export const CHECK_DATA = struct('CheckData', [
  ['Name', T.string],
  ['Value', T.number],
  ['Severity', T.string],
  ['Threshold', T.number],
  ['Condition', T.string],
  ['Labels', T.kv],
]);

/** What a function or method parameter accepts; checked at compile time when the type is known. */
export type ParamKind = 'any' | 'string' | 'number' | 'strings' | 'time' | 'numeric' | 'collection';

export function accepts(kind: ParamKind, t: SType): boolean {
  if (t.k === 'any' || kind === 'any') return true;
  switch (kind) {
    case 'string':
      return t.k === 'string' || t.k === 'number' || t.k === 'bool' || t.k === 'nil';
    case 'number':
      return t.k === 'number';
    case 'strings':
      return t.k === 'list' && (t.elem.k === 'string' || t.elem.k === 'any');
    case 'time':
      return t.k === 'time';
    case 'numeric':
      return t.k === 'number' || t.k === 'duration' || t.k === 'string';
    case 'collection':
      return t.k === 'string' || t.k === 'list' || t.k === 'kv' || t.k === 'pairs' || t.k === 'alerts';
  }
}

export const KIND_TEXT: Readonly<Record<ParamKind, string>> = {
  any: 'any value',
  string: 'a string',
  number: 'a number',
  strings: 'a list of strings',
  time: 'a time (such as .StartsAt)',
  numeric: 'a number or a duration',
  collection: 'a string, list or map',
};

export function typeName(t: SType): string {
  switch (t.k) {
    case 'list':
      return `list of ${typeName(t.elem)}`;
    case 'struct':
      return t.name;
    case 'kv':
      return 'label map (KV)';
    case 'pairs':
      return 'list of Pair';
    case 'alerts':
      return 'list of Alert';
    case 'nil':
      return 'nil';
    default:
      return t.k;
  }
}

export function sameType(a: SType, b: SType): boolean {
  if (a.k === 'list' && b.k === 'list') return sameType(a.elem, b.elem);
  if (a.k === 'struct' && b.k === 'struct') return a.name === b.name;
  return a.k === b.k;
}

interface Method<R> {
  readonly params: readonly ParamKind[];
  readonly result: SType;
  readonly call: (recv: R, args: readonly Value[]) => Value;
}

function strings(v: Value): string[] {
  const items = listItems(v) ?? [];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) out.push(toText(element(items, i)));
  return out;
}

const KV_METHODS = new Map<string, Method<KV>>([
  ['SortedPairs', { params: [], result: T.pairs, call: (kv) => kv.sortedPairs() }],
  ['Names', { params: [], result: STRINGS, call: (kv) => kv.names() }],
  ['Values', { params: [], result: STRINGS, call: (kv) => kv.values() }],
  ['Remove', { params: ['strings'], result: T.kv, call: (kv, [keys]) => kv.remove(strings(keys)) }],
]);
const PAIRS_METHODS = new Map<string, Method<Pairs>>([
  ['Names', { params: [], result: STRINGS, call: (p) => p.names() }],
  ['Values', { params: [], result: STRINGS, call: (p) => p.values() }],
]);
const ALERTS_METHODS = new Map<string, Method<AlertList>>([
  ['Firing', { params: [], result: list(ALERT), call: (a) => a.firing() }],
  ['Resolved', { params: [], result: list(ALERT), call: (a) => a.resolved() }],
]);
const TIME_METHODS = new Map<string, Method<TemplateTime>>([
  ['Format', { params: ['string'], result: T.string, call: (t, [layout]) => formatTime(t, toText(layout)) }],
  ['Unix', { params: [], result: T.number, call: (t) => Math.floor(t.ms / 1000) }],
  ['UnixMilli', { params: [], result: T.number, call: (t) => t.ms }],
  ['IsZero', { params: [], result: T.bool, call: (t) => t.isZero }],
  ['UTC', { params: [], result: T.time, call: (t) => new TemplateTime(t.ms) }],
]);
const DURATION_METHODS = new Map<string, Method<Duration>>([
  ['Seconds', { params: [], result: T.number, call: (d) => d.ms / 1000 }],
  ['Minutes', { params: [], result: T.number, call: (d) => d.ms / 60_000 }],
  ['Hours', { params: [], result: T.number, call: (d) => d.ms / 3_600_000 }],
]);

/** The methods a static type has, by name (for checks and for "did you mean" hints). */
export function staticMethods(t: SType): ReadonlyMap<string, Method<never>> | undefined {
  switch (t.k) {
    case 'kv':
      return KV_METHODS;
    case 'pairs':
      return PAIRS_METHODS;
    case 'alerts':
      return ALERTS_METHODS;
    case 'time':
      return TIME_METHODS;
    case 'duration':
      return DURATION_METHODS;
    default:
      return undefined;
  }
}

function bind<R>(m: Method<R> | undefined, recv: R): BoundMethod | undefined {
  return m && { arity: m.params.length, call: (args) => m.call(recv, args) };
}
interface BoundMethod {
  arity: number;
  call: (args: readonly Value[]) => Value;
}

function runtimeMethod(v: Value, name: string): BoundMethod | undefined {
  if (v instanceof KV) return bind(KV_METHODS.get(name), v);
  if (v instanceof Pairs) return bind(PAIRS_METHODS.get(name), v);
  if (v instanceof AlertList) return bind(ALERTS_METHODS.get(name), v);
  if (v instanceof TemplateTime) return bind(TIME_METHODS.get(name), v);
  if (v instanceof Duration) return bind(DURATION_METHODS.get(name), v);
  return undefined;
}

/**
 * `.name` on a value, with `args` when it is the method call at the head of a command. Methods
 * first (as Go does), then a label (missing is "", Alertmanager's missingkey=zero), then a struct
 * field (own data properties only). Anything else is nothing; never throws.
 */
export function getField(v: Value, name: string, args: readonly Value[]): Value {
  const m = runtimeMethod(v, name);
  if (m) return args.length === m.arity ? m.call(args) : undefined;
  if (args.length > 0) return undefined;
  if (v instanceof KV) return v.get(name) ?? '';
  if (isStruct(v)) return structField(v, name);
  return undefined;
}

/** `index x k`: list element, label value ("" when missing), or a string's byte, as in Go. */
export function indexValue(v: Value, key: Value): Value {
  const items = listItems(v);
  if (items) return typeof key === 'number' ? element(items, key) : undefined;
  if (v instanceof KV) return typeof key === 'string' ? (v.get(key) ?? '') : undefined;
  if (typeof v === 'string' && typeof key === 'number') {
    const bytes = Buffer.from(v, 'utf8');
    return Number.isInteger(key) && key >= 0 && key < bytes.length ? bytes[key] : undefined;
  }
  return undefined;
}

/** The static type of `index x k`. */
export function indexType(t: SType): SType | undefined {
  switch (t.k) {
    case 'list':
      return t.elem;
    case 'alerts':
      return ALERT;
    case 'pairs':
      return PAIR;
    case 'kv':
      return T.string;
    case 'string':
      return T.number;
    case 'any':
      return T.any;
    default:
      return undefined;
  }
}
