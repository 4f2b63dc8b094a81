import { Duration, TemplateTime, durationString, timeString } from './gotime';

/**
 * The values a template can see. The set is closed: strings, numbers, booleans, nothing
 * (undefined), frozen arrays, frozen plain objects (Go structs: the data, an alert, a pair), and
 * the classes below, each of which exposes only the methods Alertmanager's types have. Anything
 * else met at run time (a function, a Date, a Map, a class instance) reads as nothing.
 */
export type Value =
  | string
  | number
  | boolean
  | null
  | undefined
  | SafeString
  | KV
  | Pairs
  | AlertList
  | TemplateTime
  | Duration
  | readonly Value[]
  | Struct;

export interface Struct {
  readonly [field: string]: Value;
}

export { Duration, TemplateTime };

/** The result of `safeHtml` / `safeUrl`: printed without the render's `escape`. */
export class SafeString {
  constructor(readonly value: string) {
    Object.freeze(this);
  }
}

/** Alertmanager's `template.Pair`. */
export type Pair = { readonly Name: string; readonly Value: string };

/** Alertmanager's `template.Pairs`: a list of pairs with `.Names` and `.Values`. */
export class Pairs {
  readonly items: readonly Pair[];
  constructor(items: readonly Pair[]) {
    this.items = Object.freeze(items.slice());
    Object.freeze(this);
  }
  names(): readonly string[] {
    return Object.freeze(this.items.map((p) => p.Name));
  }
  values(): readonly string[] {
    return Object.freeze(this.items.map((p) => p.Value));
  }
  toString(): string {
    return this.items.map((p) => `${p.Name}=${p.Value}`).join(', ');
  }
}

/**
 * Alertmanager's `template.KV` (labels or annotations). Backed by a Map, so a label called
 * `__proto__` or `constructor` is just a key, and `.constructor` on a KV is a missing label ("").
 */
export class KV {
  readonly #m: ReadonlyMap<string, string>;
  #pairs: Pairs | undefined;

  constructor(entries?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>) {
    const m = new Map<string, string>();
    if (entries && isIterable(entries)) {
      for (const [k, v] of entries) m.set(String(k), String(v));
    } else if (entries) {
      for (const k of Object.keys(entries)) {
        const v = Object.getOwnPropertyDescriptor(entries, k)?.value as unknown;
        if (typeof v === 'string') m.set(k, v);
      }
    }
    this.#m = m;
    Object.freeze(this);
  }

  get size(): number {
    return this.#m.size;
  }
  get(key: string): string | undefined {
    return this.#m.get(key);
  }
  has(key: string): boolean {
    return this.#m.has(key);
  }
  /** Keys in sorted order (how Go ranges over a map). */
  keys(): string[] {
    return [...this.#m.keys()].sort();
  }
  /** Sorted by name, with `alertname` first, as Alertmanager does. */
  sortedPairs(): Pairs {
    if (!this.#pairs) {
      const keys = this.keys().filter((k) => k !== 'alertname');
      if (this.#m.has('alertname')) keys.unshift('alertname');
      this.#pairs = new Pairs(keys.map((k) => Object.freeze({ Name: k, Value: this.#m.get(k)! })));
    }
    return this.#pairs;
  }
  names(): readonly string[] {
    return this.sortedPairs().names();
  }
  values(): readonly string[] {
    return this.sortedPairs().values();
  }
  remove(keys: readonly string[]): KV {
    const drop = new Set(keys);
    return new KV([...this.#m].filter(([k]) => !drop.has(k)));
  }
  toString(): string {
    return this.sortedPairs().toString();
  }
  /** A plain copy, keys sorted (for JSON and tests). */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of this.keys()) out[k] = this.#m.get(k)!;
    return out;
  }
  toJSON(): Record<string, string> {
    return this.toRecord();
  }
}

/** One alert, as Alertmanager's `template.Alert`. */
export type TemplateAlert = {
  readonly Status: string;
  readonly Labels: KV;
  readonly Annotations: KV;
  readonly StartsAt: TemplateTime;
  /** Go's zero time (0001-01-01) when the alert has no end. */
  readonly EndsAt: TemplateTime;
  readonly GeneratorURL: string;
  readonly Fingerprint: string;
};

/** Alertmanager's `template.Alerts`: a list with `.Firing` and `.Resolved`. */
export class AlertList {
  readonly items: readonly TemplateAlert[];
  constructor(items: readonly TemplateAlert[]) {
    this.items = Object.freeze(items.slice());
    Object.freeze(this);
  }
  firing(): readonly TemplateAlert[] {
    return Object.freeze(this.items.filter((a) => a.Status === 'firing'));
  }
  resolved(): readonly TemplateAlert[] {
    return Object.freeze(this.items.filter((a) => a.Status === 'resolved'));
  }
}

/** Alertmanager's `template.Data`, plus alertflow's `GroupKey` and `TruncatedAlerts`. */
export type TemplateData = {
  readonly Receiver: string;
  readonly Status: string;
  readonly Alerts: AlertList;
  readonly GroupLabels: KV;
  readonly CommonLabels: KV;
  readonly CommonAnnotations: KV;
  readonly ExternalURL: string;
  /** The group's key, as Alertmanager forms it (its webhook sends it as `groupKey`). */
  readonly GroupKey: string;
  /** Alerts left out of this notification (to fit the queue's message size). */
  readonly TruncatedAlerts: number;
};

/** `.` in a threshold check's annotations (model.ts CHECK_DATA); `Value` undefined when there was no data. */
export type CheckTemplateData = {
  readonly Name: string;
  readonly Value: number | undefined;
  readonly Severity: string;
  readonly Threshold: number | undefined;
  readonly Condition: string;
  readonly Labels: KV;
};

function isIterable(x: object): x is Iterable<readonly [string, string]> {
  return typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** A plain object: the only objects whose fields a template may read. */
export function isStruct(v: unknown): v is Struct {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Narrow anything to a template value; everything outside the closed set becomes nothing, so a
 * function or a foreign object that reached the data can never be called or walked.
 */
export function sanitize(v: unknown): Value {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return v;
    case 'object':
      if (v === null) return undefined;
      // Plain arrays only: a subclass's species constructor would run on slice or map.
      if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype ? (v as readonly Value[]) : undefined;
      if (
        v instanceof KV ||
        v instanceof Pairs ||
        v instanceof AlertList ||
        v instanceof TemplateTime ||
        v instanceof Duration ||
        v instanceof SafeString
      ) {
        return v;
      }
      return isStruct(v) ? v : undefined;
    default:
      return undefined;
  }
}

/** A struct field: an own, enumerable data property only (no getters, nothing inherited). */
export function structField(o: Struct, name: string): Value {
  const d = Object.getOwnPropertyDescriptor(o, name);
  if (!d || !d.enumerable || !('value' in d)) return undefined;
  return sanitize(d.value);
}

/** An array element: own data elements only (no holes, no getters, nothing inherited). */
export function element(a: readonly unknown[], i: number): Value {
  if (!Number.isInteger(i) || i < 0 || i >= a.length) return undefined;
  const d = Object.getOwnPropertyDescriptor(a, i);
  return d && 'value' in d ? sanitize(d.value) : undefined;
}

/** The elements of a list-like value (array, Alerts, Pairs), or undefined. */
export function listItems(v: Value): readonly unknown[] | undefined {
  if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype ? v : undefined;
  if (v instanceof AlertList || v instanceof Pairs) return v.items;
  return undefined;
}

/** Go's truth: false, 0, nothing and empty strings/lists/maps are false; structs are true. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
  }
  if (v instanceof SafeString) return v.value.length > 0;
  if (v instanceof KV) return v.size > 0;
  if (v instanceof Duration) return v.ms !== 0;
  const items = listItems(v);
  if (items) return items.length > 0;
  return true;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  // Go writes exponents with at least two digits: 1e-07.
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * How `{{ x }}` prints a value, as Go's fmt `%v` would: a KV or Pairs as `a=1, b=2`, a list as
 * `[a b]`, a struct as `{v1 v2}`, a time as `2024-05-01 12:00:00 +0000 UTC`. Nothing prints as ""
 * (Go prints `<no value>`; a missing label is "" in both). Stops after `limit` characters.
 */
export function formatValue(v: Value, limit = Number.POSITIVE_INFINITY): string {
  if (typeof v === 'string') return v.length > limit ? v.slice(0, limit) : v;
  let out = '';
  const walk = (x: Value, depth: number): void => {
    if (out.length > limit) return;
    if (x === undefined || x === null) {
      out += depth === 0 ? '' : '<nil>';
      return;
    }
    switch (typeof x) {
      case 'string':
        out += x;
        return;
      case 'number':
        out += formatNumber(x);
        return;
      case 'boolean':
        out += String(x);
        return;
    }
    if (x instanceof SafeString) out += x.value;
    else if (x instanceof KV || x instanceof Pairs) out += x.toString();
    else if (x instanceof TemplateTime) out += timeString(x);
    else if (x instanceof Duration) out += durationString(x);
    else if (depth > 8) out += '...';
    else {
      const items = listItems(x);
      if (items) {
        out += '[';
        for (let i = 0; i < items.length && out.length <= limit; i++) {
          if (i > 0) out += ' ';
          walk(element(items, i), depth + 1);
        }
        out += ']';
      } else if (isStruct(x)) {
        out += '{';
        let first = true;
        for (const k of Object.keys(x)) {
          if (out.length > limit) break;
          if (!first) out += ' ';
          first = false;
          walk(structField(x, k), depth + 1);
        }
        out += '}';
      }
    }
  };
  walk(v, 0);
  return out.length > limit ? out.slice(0, limit) : out;
}

/** A value used where a string is expected: strings as they are, anything else as printed. */
export function toText(v: Value, limit?: number): string {
  if (typeof v === 'string') return v;
  if (v instanceof SafeString) return v.value;
  return formatValue(v, limit);
}

/** Go's type names, for printf's `%!d(string=abc)` notation. */
export function goTypeName(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float64';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof SafeString) return 'template.HTML';
  if (v instanceof KV) return 'template.KV';
  if (v instanceof Pairs) return 'template.Pairs';
  if (v instanceof AlertList) return 'template.Alerts';
  if (v instanceof TemplateTime) return 'time.Time';
  if (v instanceof Duration) return 'time.Duration';
  if (Array.isArray(v)) return '[]interface {}';
  return 'struct';
}
