import { TemplateError, type Source } from './errors';
import { lookupFunction, type Literal } from './functions';
import { ALERT, KIND_TEXT, PAIR, T, accepts, sameType, staticMethods, typeName, type ParamKind, type SType } from './model';
import type { Definition, FieldRef, Node, Operand, Pipeline } from './parser';
import { suggest } from './suggest';

/**
 * Compile-time checks against the data model: variables are declared, fields exist
 * (`.Labelz`, `.Alerts.Labels`), functions and methods get the right number and kind of
 * arguments, literal regexes and printf formats are valid, and every `{{ template "name" }}`
 * names a template in `templates`. Where a type is not known statically (`any`), the check is
 * left to run time, which renders nothing instead of failing.
 *
 * A called template's body is checked with the type its caller passes as dot (and `$`), once
 * per template and dot type: `{{ template "__text_alert_list" .Alerts.Firing }}` checks the body
 * with a list of Alert, and a body that reads `.Labels` of a Data is an error at the call, naming
 * the template and the place in its body. Recursion ends because each pair is checked once.
 */
export function check(src: Source, nodes: readonly Node[], root: SType, templates: ReadonlyMap<string, Definition>): void {
  const calls = new Calls(templates);
  new Checker(src, root, calls, undefined).list(nodes, root);
  calls.drain();
}

/**
 * Check each definition on its own, with an unknown dot (`any`): what does not depend on the
 * data (variables, functions and their arity, literal regexes, names of called templates).
 * Each is checked again, with the real dot, where a field template calls it.
 */
export function checkDefinitions(defs: Iterable<Definition>, templates: ReadonlyMap<string, Definition>): void {
  const calls = new Calls(templates);
  for (const d of defs) calls.seed(d);
  calls.drain();
}

/** Most template bodies one compile checks; past it, bodies are left to run time (which is safe). */
const MAX_BODY_CHECKS = 5000;

/** A body to check with a given dot, and the call that asked for it (none for a seed). */
interface Job {
  readonly def: Definition;
  readonly dot: SType;
  readonly from: CallSite | undefined;
}
interface CallSite {
  readonly src: Source;
  readonly pos: number;
  /** The body the call is in; undefined for the text being compiled. */
  readonly job: Job | undefined;
}

/** `{{ template }}` calls met while checking, checked breadth first (so nesting never deepens the stack). */
class Calls {
  private readonly queue: Job[] = [];
  private readonly seen = new Map<Definition, Set<string>>();
  private checked = 0;

  constructor(readonly templates: ReadonlyMap<string, Definition>) {}

  seed(def: Definition): void {
    this.add({ def, dot: T.any, from: undefined });
  }

  call(def: Definition, dot: SType, from: CallSite): void {
    this.add({ def, dot, from });
  }

  private add(job: Job): void {
    const key = typeKey(job.dot);
    let keys = this.seen.get(job.def);
    if (!keys) this.seen.set(job.def, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    this.queue.push(job);
  }

  drain(): void {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      if (++this.checked > MAX_BODY_CHECKS) return;
      try {
        new Checker(job.def.src, job.dot, this, job).list(job.def.body, job.dot);
      } catch (e) {
        throw e instanceof TemplateError && job.from ? located(e, job) : e;
      }
    }
  }
}

/**
 * A problem found in a called body, reported at the outermost call (in the text being compiled,
 * so a config error points at its own field): `template "a" → "b", at file.tmpl:3:9 (dot: Data):
 * unknown field ...`.
 */
function located(e: TemplateError, job: Job): TemplateError {
  const names = [job.def.name];
  let site = job.from!;
  while (site.job?.from) {
    names.unshift(site.job.def.name);
    site = site.job.from;
  }
  const chain = names.map((n, i) => (i === 0 ? `template ${JSON.stringify(n)}` : JSON.stringify(n))).join(' → ');
  return site.src.error(site.pos, `${chain}, at ${e.template}:${e.line}:${e.column} (dot: ${typeName(job.dot)}): ${e.problem}`);
}

/** A static type as a string, to check a body once per dot type. */
function typeKey(t: SType): string {
  switch (t.k) {
    case 'list':
      return `[${typeKey(t.elem)}]`;
    case 'struct':
      return `{${t.name}}`;
    default:
      return t.k;
  }
}

const ARITY_MAX = Number.POSITIVE_INFINITY;

class Checker {
  private readonly vars: { name: string; type: SType }[];

  constructor(
    private readonly src: Source,
    root: SType,
    private readonly calls: Calls,
    private readonly job: Job | undefined,
  ) {
    this.vars = [{ name: '$', type: root }];
  }

  list(nodes: readonly Node[], dot: SType): void {
    for (const n of nodes) this.node(n, dot);
  }

  private node(n: Node, dot: SType): void {
    switch (n.t) {
      case 'text':
      case 'break':
      case 'continue':
        return;
      case 'print':
        this.pipeline(n.pipe, dot);
        return;
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const t = this.pipeline(n.pipe, dot);
        this.list(n.body, n.t === 'with' ? t : dot);
        if (n.else) this.list(n.else, dot);
        this.vars.length = mark;
        return;
      }
      case 'range': {
        const mark = this.vars.length;
        const t = this.value(n.pipe, dot);
        const [key, elem] = this.rangeTypes(t, n.pipe.pos);
        this.bind(n.pipe, n.pipe.decl.length === 2 ? [key, elem] : [elem]);
        this.list(n.body, elem);
        if (n.else) this.list(n.else, dot);
        this.vars.length = mark;
        return;
      }
      case 'template': {
        const t = n.pipe ? this.pipeline(n.pipe, dot) : T.nil;
        const def = this.calls.templates.get(n.name);
        if (!def) {
          const names = [...this.calls.templates.keys()];
          throw this.src.error(n.pos, `template ${JSON.stringify(n.name)} is not defined${suggest(n.name, names, (s) => JSON.stringify(s))}`);
        }
        this.calls.call(def, t, { src: this.src, pos: n.pos, job: this.job });
        return;
      }
    }
  }

  private rangeTypes(t: SType, pos: number): [SType, SType] {
    switch (t.k) {
      case 'list':
        return [T.number, t.elem];
      case 'alerts':
        return [T.number, ALERT];
      case 'pairs':
        return [T.number, PAIR];
      case 'kv':
        return [T.string, T.string];
      case 'number':
        return [T.number, T.number];
      case 'any':
      case 'nil':
        return [T.any, T.any];
      default:
        throw this.src.error(pos, `range can't iterate over a ${typeName(t)}`);
    }
  }

  private pipeline(p: Pipeline, dot: SType): SType {
    const t = this.value(p, dot);
    this.bind(p, p.decl.map(() => t));
    return t;
  }

  private value(p: Pipeline, dot: SType): SType {
    let t: SType | undefined;
    for (const cmd of p.cmds) {
      const [head, ...rest] = cmd.args;
      const args = rest.map((a) => this.operand(a, dot));
      if (t) args.push(t);
      t = this.command(head!, rest, args, dot);
    }
    return t ?? T.any;
  }

  private bind(p: Pipeline, types: readonly SType[]): void {
    p.decl.forEach((v, i) => {
      const t = types[i] ?? T.any;
      if (!p.assign) {
        this.vars.push({ name: v.name, type: t });
        return;
      }
      const slot = this.lookup(v);
      slot.type = sameType(slot.type, t) ? t : T.any;
    });
  }

  private lookup(v: FieldRef): { name: string; type: SType } {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === v.name) return this.vars[i]!;
    const known = new Set(this.vars.map((x) => x.name).filter((n) => n !== '$'));
    throw this.src.error(v.pos, `undefined variable ${JSON.stringify(v.name)}${suggest(v.name, known, (s) => s)}`);
  }

  private command(head: Operand, rest: readonly Operand[], args: readonly SType[], dot: SType): SType {
    if (head.t === 'func') return this.call(head.name, head.pos, rest, args);
    if (head.t === 'chain') return this.chain(head, dot, args);
    if (args.length > 0) {
      throw this.src.error(rest[0]?.pos ?? head.pos, `can't give an argument to ${describe(head)}: only functions and methods take arguments`);
    }
    return this.operand(head, dot);
  }

  private operand(op: Operand, dot: SType): SType {
    switch (op.t) {
      case 'string':
        return T.string;
      case 'number':
        return T.number;
      case 'bool':
        return T.bool;
      case 'nil':
        return T.nil;
      case 'dot':
        return dot;
      case 'var':
        return this.lookup(op).type;
      case 'func':
        return this.call(op.name, op.pos, [], []);
      case 'paren':
        return this.pipeline(op.pipe, dot);
      case 'chain':
        return this.chain(op, dot, []);
    }
  }

  private chain(op: Extract<Operand, { t: 'chain' }>, dot: SType, args: readonly SType[]): SType {
    let t = op.base.t === 'dot' ? dot : this.operand(op.base, dot);
    op.fields.forEach((f, j) => {
      t = this.field(t, f, j === op.fields.length - 1 ? args : []);
    });
    return t;
  }

  private field(t: SType, f: FieldRef, args: readonly SType[]): SType {
    const methods = staticMethods(t);
    const m = methods?.get(f.name);
    if (m) {
      this.arity(`.${f.name}`, f.pos, args.length, m.params.length, m.params.length);
      this.kinds(`.${f.name}`, f.pos, args, m.params, undefined, undefined);
      return m.result;
    }
    const noArgs = (what: string): void => {
      if (args.length > 0) throw this.src.error(f.pos, `.${f.name} is ${what}, not a method: it takes no arguments`);
    };
    switch (t.k) {
      case 'any':
        return T.any;
      case 'kv':
        noArgs('a label');
        return T.string;
      case 'struct': {
        const ft = t.fields.get(f.name);
        if (!ft) {
          const names = [...t.fields.keys()];
          throw this.src.error(
            f.pos,
            `unknown field ${JSON.stringify(`.${f.name}`)} on ${t.name} (fields: ${names.join(', ')})${suggest(f.name, names, (s) => `.${s}`)}`,
          );
        }
        noArgs('a field');
        return ft;
      }
      default: {
        const available = methods ? ` (methods: ${[...methods.keys()].join(', ')})${suggest(f.name, methods.keys(), (s) => `.${s}`)}` : '';
        const hint = t.k === 'list' || t.k === 'alerts' || t.k === 'pairs' ? '; use range or index to reach its elements' : '';
        throw this.src.error(f.pos, `can't read .${f.name} of a ${typeName(t)}${available}${hint}`);
      }
    }
  }

  private call(name: string, pos: number, argOps: readonly Operand[], args: readonly SType[]): SType {
    const def = lookupFunction(name);
    if (!def) throw this.src.error(pos, `unknown function ${JSON.stringify(name)}`);
    const min = def.params.length;
    this.arity(name, pos, args.length, min, def.rest ? (def.max ?? ARITY_MAX) : min);
    this.kinds(name, pos, args, def.params, def.rest, argOps);
    const typeProblem = def.checkTypes?.(args);
    if (typeProblem) throw this.src.error(pos, typeProblem);
    const lits = args.map((_, i): Literal => {
      const op = argOps[i];
      return op && (op.t === 'string' || op.t === 'number' || op.t === 'bool') ? op.value : undefined;
    });
    const litProblem = def.checkLiterals?.(lits);
    if (litProblem) throw this.src.error(argOps[0]?.pos ?? pos, litProblem);
    return typeof def.result === 'function' ? def.result(args) : def.result;
  }

  private arity(name: string, pos: number, got: number, min: number, max: number): void {
    if (got >= min && got <= max) return;
    const want = min === max ? String(min) : max === ARITY_MAX ? `at least ${min}` : `${min} to ${max}`;
    throw this.src.error(pos, `wrong number of arguments for ${name}: want ${want}, got ${got}`);
  }

  private kinds(
    name: string,
    pos: number,
    args: readonly SType[],
    params: readonly ParamKind[],
    rest: ParamKind | undefined,
    argOps: readonly Operand[] | undefined,
  ): void {
    args.forEach((t, i) => {
      const k = params[i] ?? rest ?? 'any';
      if (!accepts(k, t)) {
        const which = argOps && i === argOps.length ? 'the piped value' : `argument ${i + 1}`;
        throw this.src.error(argOps?.[i]?.pos ?? pos, `${name}: ${which} must be ${KIND_TEXT[k]}, not a ${typeName(t)}`);
      }
    });
  }
}

function describe(op: Operand): string {
  switch (op.t) {
    case 'var':
      return `variable ${op.name}`;
    case 'paren':
      return 'a parenthesized pipeline';
    case 'dot':
      return '"."';
    default:
      return `a ${op.t}`;
  }
}
