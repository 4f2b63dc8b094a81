import { LimitReached } from './errors';
import { lookupFunction, type FuncCtx } from './functions';
import { getField } from './model';
import type { BlockNode, Definition, Node, Operand, Pipeline, TemplateNode } from './parser';
import { KV, SafeString, element, formatValue, listItems, truth, type Value } from './values';

export interface ExecOptions {
  readonly maxOutput: number;
  readonly maxSteps: number;
  readonly escape: ((s: string) => string) | undefined;
  readonly now: number;
  /** What `{{ template "name" }}` can call. */
  readonly templates: ReadonlyMap<string, Definition>;
  /** Told of a `{{ template }}` whose name is not defined (compile checks make this unreachable). */
  readonly onUndefined: (name: string) => void;
}

/**
 * Deepest nesting of node lists while rendering: block bodies and template calls together. The
 * parser caps nesting within one text at 100 levels; this caps it across template calls (and so
 * recursion), keeping the JavaScript stack small whatever the templates do. Reaching it stops the
 * render as the step limit does.
 */
export const MAX_EXEC_DEPTH = 400;

/** What a list of nodes asks of the range around it. */
const NEXT = 0;
const BREAK = 1;
const CONTINUE = 2;
type Flow = typeof NEXT | typeof BREAK | typeof CONTINUE;

const NO_ARGS: readonly Value[] = Object.freeze([]);
/** Variables a lookup compares per step charged (a comparison is a few ns, a step about 0.1 µs). */
const VARS_PER_STEP = 10;

/** Cut `s` to `n` UTF-16 units without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  if (n <= 0) return '';
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** Cost in steps of a function call beyond the call itself: a step per KB of text, per 64 items. */
function workOf(args: readonly Value[], result: Value): number {
  let w = 0;
  for (const v of [...args, result]) {
    if (typeof v === 'string') w += v.length / 1024;
    else if (v instanceof SafeString) w += v.value.length / 1024;
    else if (v instanceof KV) w += v.size / 64;
    else {
      const items = listItems(v);
      if (items) w += items.length / 64;
    }
  }
  return w;
}

/**
 * One render: walks the tree with Go's semantics. Every node, command, call and range iteration
 * costs a step; output and every string a function builds are capped at maxOutput. Hitting a
 * limit throws LimitReached, which the caller turns into "return what was written".
 */
export class Exec implements FuncCtx {
  out = '';
  steps = 0;
  readonly limit: number;
  readonly now: number;
  private vars: { name: string; value: Value }[];
  private depth = 0;

  constructor(
    private readonly opts: ExecOptions,
    data: Value,
  ) {
    this.limit = opts.maxOutput;
    this.now = opts.now;
    this.vars = [{ name: '$', value: data }];
  }

  readonly charge = (n: number): void => {
    this.steps += n;
    if (this.steps > this.opts.maxSteps) throw new LimitReached('steps');
  };

  private write(s: string): void {
    const room = this.limit - this.out.length;
    if (s.length <= room) {
      this.out += s;
      return;
    }
    this.out += cut(s, room);
    throw new LimitReached('output');
  }

  run(nodes: readonly Node[], dot: Value): Flow {
    if (++this.depth > MAX_EXEC_DEPTH) throw new LimitReached('steps');
    const flow = this.list(nodes, dot);
    this.depth--;
    return flow;
  }

  private list(nodes: readonly Node[], dot: Value): Flow {
    for (const n of nodes) {
      this.charge(1);
      switch (n.t) {
        case 'text':
          this.write(n.text);
          break;
        case 'print': {
          const v = this.pipeline(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.print(v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.pipeline(n.pipe, dot);
          let flow: Flow = NEXT;
          if (truth(v)) flow = this.run(n.body, n.t === 'with' ? v : dot);
          else if (n.else) flow = this.run(n.else, dot);
          this.vars.length = mark;
          if (flow !== NEXT) return flow;
          break;
        }
        case 'range': {
          const flow = this.range(n, dot);
          if (flow !== NEXT) return flow;
          break;
        }
        case 'template':
          this.invoke(n, dot);
          break;
        case 'break':
          return BREAK;
        case 'continue':
          return CONTINUE;
      }
    }
    return NEXT;
  }

  /**
   * `{{ template "name" pipeline }}`, as Go runs it: the body's dot and `$` are the pipeline's
   * value (nothing without one), it sees none of the caller's variables, and variables the
   * pipeline declares stay in the caller's scope.
   */
  private invoke(n: TemplateNode, dot: Value): void {
    const def = this.opts.templates.get(n.name);
    if (!def) {
      this.opts.onUndefined(n.name);
      return;
    }
    const v = n.pipe ? this.pipeline(n.pipe, dot) : undefined;
    const caller = this.vars;
    this.vars = [{ name: '$', value: v }];
    // A body cannot break out: {{ break }} outside a range of its own does not parse.
    this.run(def.body, v);
    this.vars = caller;
  }

  private print(v: Value): void {
    if (v instanceof SafeString) {
      this.write(v.value);
      return;
    }
    const s = formatValue(v, this.limit);
    this.charge(s.length / 1024);
    // Only interpolated values are escaped; the template's own text is written as is.
    this.write(this.opts.escape ? this.opts.escape(s) : s);
  }

  private range(n: BlockNode, dot: Value): Flow {
    const mark = this.vars.length;
    const v = this.value(n.pipe, dot);
    const { decl, assign } = n.pipe;
    if (!assign) for (const d of decl) this.vars.push({ name: d.name, value: v });
    const inner = this.vars.length;
    const set = (i: number, value: Value): void => {
      if (assign) this.assign(decl[i]!.name, value);
      else this.vars[inner - decl.length + i]!.value = value;
    };
    let iterated = false;
    for (const [key, elem] of entries(v)) {
      iterated = true;
      this.charge(1);
      if (decl.length === 1) set(0, elem);
      else if (decl.length === 2) {
        set(0, key);
        set(1, elem);
      }
      const flow = this.run(n.body, elem);
      this.vars.length = inner;
      if (flow === BREAK) break;
    }
    // A {{ break }} in a range's else belongs to an enclosing range.
    const flow = !iterated && n.else ? this.run(n.else, dot) : NEXT;
    this.vars.length = mark;
    return flow;
  }

  private pipeline(p: Pipeline, dot: Value): Value {
    const v = this.value(p, dot);
    for (const d of p.decl) {
      if (p.assign) this.assign(d.name, v);
      else this.vars.push({ name: d.name, value: v });
    }
    return v;
  }

  private value(p: Pipeline, dot: Value): Value {
    let v: Value;
    let piped = false;
    for (const cmd of p.cmds) {
      this.charge(1);
      const head = cmd.args[0]!;
      if (head.t === 'func') v = this.call(head.name, cmd.args, 1, dot, v, piped);
      else if (head.t === 'chain') {
        const args = cmd.args.slice(1).map((a) => this.arg(a, dot));
        if (piped) args.push(v);
        v = this.chain(head, dot, args);
      } else v = this.arg(head, dot);
      piped = true;
    }
    return v;
  }

  /** A variable, innermost first; the scan is charged, so thousands of variables cannot make each lookup free work. */
  private lookup(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.charge((this.vars.length - i) / VARS_PER_STEP);
        return this.vars[i]!.value;
      }
    }
    this.charge(this.vars.length / VARS_PER_STEP);
    return undefined;
  }

  private assign(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
  }

  private arg(op: Operand, dot: Value): Value {
    switch (op.t) {
      case 'string':
      case 'number':
      case 'bool':
        return op.value;
      case 'nil':
        return undefined;
      case 'dot':
        return dot;
      case 'var':
        return this.lookup(op.name);
      case 'func':
        return this.call(op.name, [], 0, dot, undefined, false);
      case 'paren':
        return this.pipeline(op.pipe, dot);
      case 'chain':
        return this.chain(op, dot, NO_ARGS);
    }
  }

  private chain(op: Extract<Operand, { t: 'chain' }>, dot: Value, args: readonly Value[]): Value {
    let v = op.base.t === 'dot' ? dot : this.arg(op.base, dot);
    const last = op.fields.length - 1;
    for (let j = 0; j <= last; j++) v = getField(v, op.fields[j]!.name, j === last ? args : NO_ARGS);
    return v;
  }

  /** Call a whitelisted function with `ops[from..]` and, when piped, the previous value last. */
  private call(name: string, ops: readonly Operand[], from: number, dot: Value, final: Value, piped: boolean): Value {
    const def = lookupFunction(name);
    if (!def) return undefined;
    const count = ops.length - from + (piped ? 1 : 0);
    // A step for the call and one for each argument it evaluates: `eq 1 $ $ …` with a thousand
    // arguments is a thousand evaluations.
    this.charge(1 + count);
    const max = def.rest ? (def.max ?? Number.POSITIVE_INFINITY) : def.params.length;
    if (count < def.params.length || count > max) return undefined;
    if (name === 'and' || name === 'or') {
      // Short-circuit, as Go does since 1.18: later arguments are not evaluated.
      let v: Value;
      for (let i = from; i < ops.length + (piped ? 1 : 0); i++) {
        v = i < ops.length ? this.arg(ops[i]!, dot) : final;
        if (truth(v) === (name === 'or')) return v;
      }
      return v;
    }
    const args: Value[] = [];
    for (let i = from; i < ops.length; i++) args.push(this.arg(ops[i]!, dot));
    if (piped) args.push(final);
    const result = def.call(this, args);
    this.charge(workOf(args, result));
    return result;
  }
}

/** What `range` visits: [index, element] of a list, [key, value] of a map in key order, 0..n-1. */
function* entries(v: Value): Generator<[Value, Value]> {
  const items = listItems(v);
  if (items) {
    for (let i = 0; i < items.length; i++) yield [i, element(items, i)];
  } else if (v instanceof KV) {
    for (const k of v.keys()) yield [k, v.get(k)];
  } else if (typeof v === 'number' && Number.isInteger(v) && v > 0) {
    for (let i = 0; i < v; i++) yield [i, i];
  }
}
