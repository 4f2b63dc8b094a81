import type { Source } from './errors';
import { lookupFunction, UNSUPPORTED_FUNCTIONS, FUNCTIONS } from './functions';
import type { Token, TokKind } from './lexer';
import { suggest } from './suggest';

/** The parse tree: Go's text/template nodes. */
export interface FieldRef {
  readonly name: string;
  readonly pos: number;
}

export type Operand =
  | { readonly t: 'string'; readonly pos: number; readonly value: string }
  | { readonly t: 'number'; readonly pos: number; readonly value: number }
  | { readonly t: 'bool'; readonly pos: number; readonly value: boolean }
  | { readonly t: 'nil'; readonly pos: number }
  | { readonly t: 'dot'; readonly pos: number }
  | { readonly t: 'var'; readonly pos: number; readonly name: string }
  | { readonly t: 'func'; readonly pos: number; readonly name: string }
  | { readonly t: 'paren'; readonly pos: number; readonly pipe: Pipeline }
  /** `.A.B` (base dot), `$x.A`, `(pipeline).A`. */
  | { readonly t: 'chain'; readonly pos: number; readonly base: Operand; readonly fields: readonly FieldRef[] };

export interface Command {
  readonly pos: number;
  readonly args: readonly Operand[];
}

export interface Pipeline {
  readonly pos: number;
  readonly decl: readonly FieldRef[];
  /** `$x = v` (assign to an existing variable) rather than `$x := v`. */
  readonly assign: boolean;
  readonly cmds: readonly Command[];
}

export type Node =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'print'; readonly pos: number; readonly pipe: Pipeline }
  | BlockNode
  | TemplateNode
  | { readonly t: 'break' | 'continue'; readonly pos: number };

/** `{{ template "name" pipeline }}` (pipe null without one), and the call a `{{ block }}` makes in place. */
export interface TemplateNode {
  readonly t: 'template';
  readonly pos: number;
  readonly name: string;
  readonly pipe: Pipeline | null;
}

/** A named template: `{{ define "name" }}body{{ end }}`, a `{{ block }}`'s body, or a file's top-level text. */
export interface Definition {
  readonly name: string;
  /** Where the definition starts in `src`. */
  readonly pos: number;
  readonly body: readonly Node[];
  /** The text it was parsed from, for error positions. */
  readonly src: Source;
}

/** One parsed source: its top-level nodes and the templates it defines (Go's rules for repeats applied). */
export interface Parsed {
  readonly root: readonly Node[];
  readonly defines: ReadonlyMap<string, Definition>;
}

/** Go's unicode.IsSpace set, which its parse.IsEmptyTree trims. */
const ONLY_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/**
 * Go's parse.IsEmptyTree: nothing but white space (and comments, which the lexer drops). An empty
 * definition does not replace an earlier one of the same name.
 */
export function isEmptyBody(body: readonly Node[]): boolean {
  return body.every((n) => n.t === 'text' && ONLY_SPACE.test(n.text));
}

/**
 * Add a definition made by one source, as Go's parse.Tree.add does within one Parse call: a name
 * may be defined again only when one of the two definitions is empty (the non-empty one stays).
 */
export function addDefinition(defs: Map<string, Definition>, d: Definition): void {
  const old = defs.get(d.name);
  if (!old || isEmptyBody(old.body)) {
    defs.set(d.name, d);
    return;
  }
  if (!isEmptyBody(d.body)) {
    throw d.src.error(d.pos, `template ${JSON.stringify(d.name)} is already defined at ${old.src.where(old.pos)}; only a later file can redefine it`);
  }
}

/** `{{ if }}`, `{{ with }}`, `{{ range }}`, each with an optional `{{ else }}` list. */
export interface BlockNode {
  readonly t: 'if' | 'with' | 'range';
  readonly pos: number;
  readonly pipe: Pipeline;
  readonly body: readonly Node[];
  readonly else: readonly Node[] | null;
}

/** Deepest nesting of blocks and parentheses; keeps recursion (and stack use) bounded. */
const MAX_DEPTH = 100;

type Stop = { kind: 'end' | 'else'; pos: number } | undefined;

function describe(t: Token): string {
  switch (t.kind) {
    case 'close':
      return '"}}"';
    case 'eof':
      return 'end of template';
    case 'field':
      return JSON.stringify(`.${t.val}`);
    case 'string':
      return 'a string';
    default:
      return JSON.stringify(t.val);
  }
}

export function parse(src: Source, toks: readonly Token[]): Parsed {
  const p = new Parser(src, toks);
  const root = p.template();
  return { root, defines: p.defines };
}

class Parser {
  private i = 0;
  private depth = 0;
  private rangeDepth = 0;
  readonly defines = new Map<string, Definition>();

  constructor(
    private readonly src: Source,
    private readonly toks: readonly Token[],
  ) {}

  private peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private expect(kind: TokKind, context: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw this.src.error(t.pos, `unexpected ${describe(t)} in ${context}`);
    return t;
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw this.src.error(pos, `template nests deeper than ${MAX_DEPTH} levels`);
  }

  template(): readonly Node[] {
    const { nodes, stop } = this.list();
    if (stop) throw this.src.error(stop.pos, `unexpected {{ ${stop.kind} }}`);
    return nodes;
  }

  /** Nodes up to the end of the template, or up to an `{{ end }}` / `{{ else` (consumed). */
  private list(): { nodes: Node[]; stop: Stop } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return { nodes, stop: undefined };
      if (t.kind === 'text') {
        nodes.push({ t: 'text', text: t.val });
        continue;
      }
      // The lexer emits only text, actions and eof at this level.
      const k = this.peek();
      if (k.kind === 'keyword' && (k.val === 'end' || k.val === 'else')) {
        this.next();
        if (k.val === 'end') this.expect('close', '{{ end }}');
        return { nodes, stop: { kind: k.val, pos: k.pos } };
      }
      const n = this.action();
      if (n) nodes.push(n);
    }
  }

  /** One action; undefined for a {{ define }}, which adds to `defines` and leaves nothing in place. */
  private action(): Node | undefined {
    const k = this.peek();
    if (k.kind === 'keyword') {
      switch (k.val) {
        case 'if':
        case 'range':
        case 'with':
          this.next();
          return this.control(k.val, k.pos);
        case 'break':
        case 'continue':
          this.next();
          if (this.rangeDepth === 0) throw this.src.error(k.pos, `{{ ${k.val} }} outside {{ range }}`);
          this.expect('close', `{{ ${k.val} }}`);
          return { t: k.val, pos: k.pos };
        case 'define':
          this.next();
          // Go parses {{ define }} only at the top level of a text, never inside a block or a definition.
          if (this.depth > 0) throw this.src.error(k.pos, '{{ define }} is allowed only at the top level, not inside another block or definition');
          this.definition(k.pos);
          return undefined;
        case 'template':
          this.next();
          return this.templateCall(k.pos);
        case 'block':
          this.next();
          return this.block(k.pos);
      }
    }
    const pipe = this.pipeline('command', 'close');
    this.expect('close', 'command');
    return { t: 'print', pos: k.pos, pipe };
  }

  /** The quoted name after define, template or block. */
  private templateName(keyword: string): string {
    const t = this.next();
    if (t.kind !== 'string') {
      throw this.src.error(t.pos, `{{ ${keyword} }} needs a template name in quotes, e.g. {{ ${keyword} "slack.custom.title"${keyword === 'define' ? '' : ' .'} }}, not ${describe(t)}`);
    }
    return t.val;
  }

  /** A body up to its {{ end }}, parsed as Go parses a separate template: no enclosing range. */
  private body(keyword: string, name: string, pos: number): Node[] {
    this.enter(pos);
    const ranges = this.rangeDepth;
    this.rangeDepth = 0;
    const { nodes, stop } = this.list();
    this.rangeDepth = ranges;
    this.depth--;
    const what = `{{ ${keyword} ${JSON.stringify(name)} }} opened at ${this.src.where(pos)}`;
    if (!stop) throw this.src.error(this.src.text.length, `unclosed ${what}`);
    if (stop.kind === 'else') throw this.src.error(stop.pos, `unexpected {{ else }} in ${what}`);
    return nodes;
  }

  private definition(pos: number): void {
    const name = this.templateName('define');
    this.expect('close', '{{ define }}');
    addDefinition(this.defines, { name, pos, body: this.body('define', name, pos), src: this.src });
  }

  private templateCall(pos: number): Node {
    const name = this.templateName('template');
    let pipe: Pipeline | null = null;
    // Variables the pipeline declares stay in scope after the call, as in Go.
    if (this.peek().kind !== 'close') pipe = this.pipeline('template', 'close');
    this.expect('close', '{{ template }}');
    return { t: 'template', pos, name, pipe };
  }

  /** {{ block "name" pipeline }}body{{ end }}: defines the template and calls it in place. */
  private block(pos: number): Node {
    const name = this.templateName('block');
    const pipe = this.pipeline('block', 'close');
    this.expect('close', '{{ block }}');
    addDefinition(this.defines, { name, pos, body: this.body('block', name, pos), src: this.src });
    return { t: 'template', pos, name, pipe };
  }

  private control(kind: 'if' | 'range' | 'with', pos: number): Node {
    this.enter(pos);
    const pipe = this.pipeline(kind, 'close');
    this.expect('close', `{{ ${kind} }}`);
    if (kind === 'range') this.rangeDepth++;
    const { nodes: body, stop } = this.list();
    if (kind === 'range') this.rangeDepth--;
    const unclosed = (): Error => this.src.error(this.src.text.length, `unclosed {{ ${kind} }} opened at ${this.src.where(pos)}`);
    if (!stop) throw unclosed();
    let els: Node[] | null = null;
    if (stop.kind === 'else') {
      const n = this.peek();
      if (n.kind === 'keyword' && (n.val === 'if' || n.val === 'with' || n.val === 'range')) {
        if (n.val !== kind || kind === 'range') throw this.src.error(n.pos, `{{ else ${n.val} }} is not allowed in {{ ${kind} }}`);
        // {{ else if b }} is {{ else }}{{ if b }}...{{ end }} sharing the outer {{ end }}.
        this.next();
        els = [this.control(kind, n.pos)];
      } else {
        this.expect('close', '{{ else }}');
        const rest = this.list();
        if (!rest.stop) throw unclosed();
        if (rest.stop.kind === 'else') {
          throw this.src.error(rest.stop.pos, `expected {{ end }} but found a second {{ else }} in the {{ ${kind} }} opened at ${this.src.where(pos)}`);
        }
        els = rest.nodes;
      }
    }
    this.depth--;
    return { t: kind, pos, pipe, body, else: els };
  }

  private pipeline(context: string, end: 'close' | 'rparen'): Pipeline {
    const pos = this.peek().pos;
    const decl: FieldRef[] = [];
    let assign = false;
    if (this.peek().kind === 'var') {
      const after = this.peek(1).kind;
      if (after === 'declare' || after === 'assign') {
        const v = this.next();
        assign = this.next().kind === 'assign';
        decl.push({ name: v.val, pos: v.pos });
      } else if (after === 'comma') {
        if (context !== 'range') throw this.src.error(this.peek(1).pos, `too many declarations in {{ ${context} }}`);
        const v1 = this.next();
        this.next();
        const v2 = this.next();
        if (v2.kind !== 'var') throw this.src.error(v2.pos, 'range can only initialize variables');
        const op = this.next();
        if (op.kind !== 'declare' && op.kind !== 'assign') throw this.src.error(op.pos, `expected := after ${v2.val}`);
        assign = op.kind === 'assign';
        decl.push({ name: v1.val, pos: v1.pos }, { name: v2.val, pos: v2.pos });
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'close' || t.kind === 'rparen' || t.kind === 'eof') {
        if (t.kind !== end) {
          throw this.src.error(t.pos, t.kind === 'rparen' ? 'unexpected ")"' : end === 'rparen' ? 'unclosed left parenthesis' : `unexpected ${describe(t)}`);
        }
        if (cmds.length === 0) throw this.src.error(t.pos, `missing value for ${context === 'command' ? 'command' : `{{ ${context} }}`}`);
        break;
      }
      if (t.kind === 'pipe' && cmds.length > 0) {
        this.next();
        const n = this.peek();
        if (n.kind === 'close' || n.kind === 'rparen' || n.kind === 'pipe') throw this.src.error(n.pos, 'missing command after |');
      }
      const cmd = this.command();
      const head = cmd.args[0]!;
      if (cmds.length > 0 && head.t !== 'func' && head.t !== 'chain') {
        throw this.src.error(head.pos, `can't pipe into ${head.t === 'paren' ? 'a parenthesized pipeline' : `a ${head.t === 'var' ? 'variable' : head.t}`}: only a function or method can take a piped value`);
      }
      if (head.t === 'nil') throw this.src.error(head.pos, 'nil is not a command');
      cmds.push(cmd);
    }
    return { pos, decl, assign, cmds };
  }

  private command(): Command {
    const pos = this.peek().pos;
    const args: Operand[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'pipe' || t.kind === 'close' || t.kind === 'rparen' || t.kind === 'eof') break;
      if (args.length > 0 && !t.space) throw this.src.error(t.pos, `unexpected ${describe(t)} in operand; separate arguments with spaces`);
      const op = this.operand();
      if (!op) throw this.src.error(t.pos, `unexpected ${describe(t)} in ${args.length === 0 ? 'command' : 'operand'}`);
      args.push(op);
    }
    if (args.length === 0) throw this.src.error(pos, 'missing value for command');
    return { pos, args };
  }

  private operand(): Operand | undefined {
    const term = this.term();
    if (!term || this.peek().kind !== 'field' || this.peek().space) return term;
    const fields: FieldRef[] = [];
    while (this.peek().kind === 'field' && !this.peek().space) {
      const f = this.next();
      fields.push({ name: f.val, pos: f.pos });
    }
    switch (term.t) {
      case 'chain':
        return { ...term, fields: [...term.fields, ...fields] };
      case 'var':
      case 'paren':
      case 'func':
        return { t: 'chain', pos: term.pos, base: term, fields };
      default:
        throw this.src.error(fields[0]!.pos, `unexpected .${fields[0]!.name} after ${term.t === 'dot' ? '"."' : `a ${term.t}`}`);
    }
  }

  private term(): Operand | undefined {
    const t = this.peek();
    switch (t.kind) {
      case 'ident': {
        this.next();
        if (!lookupFunction(t.val)) {
          const unsupported = UNSUPPORTED_FUNCTIONS.get(t.val);
          if (unsupported) throw this.src.error(t.pos, unsupported);
          throw this.src.error(t.pos, `unknown function ${JSON.stringify(t.val)}${suggest(t.val, Object.keys(FUNCTIONS), (s) => JSON.stringify(s))}`);
        }
        return { t: 'func', pos: t.pos, name: t.val };
      }
      case 'dot':
        this.next();
        return { t: 'dot', pos: t.pos };
      case 'nil':
        this.next();
        return { t: 'nil', pos: t.pos };
      case 'var':
        this.next();
        return { t: 'var', pos: t.pos, name: t.val };
      case 'field':
        this.next();
        return { t: 'chain', pos: t.pos, base: { t: 'dot', pos: t.pos }, fields: [{ name: t.val, pos: t.pos }] };
      case 'bool':
        this.next();
        return { t: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'number':
        this.next();
        return { t: 'number', pos: t.pos, value: t.num! };
      case 'string':
        this.next();
        return { t: 'string', pos: t.pos, value: t.val };
      case 'lparen': {
        this.next();
        this.enter(t.pos);
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        this.next();
        this.depth--;
        return { t: 'paren', pos: t.pos, pipe };
      }
      default:
        return undefined;
    }
  }
}
