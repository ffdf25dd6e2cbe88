/**
 * Random generator programs for the durable compiler's differential fuzz test
 * (fuzz-compiler.test.ts): a small grammar of statements and expressions over
 * the constructs the compiler supports, as plain data that fast-check generates
 * and shrinks, and a renderer that turns it into module source.
 *
 * What must hold of every rendered program, and how it is ensured:
 * - It parses and runs without a ReferenceError: names are resolved when
 *   rendering, against the variables in scope at that point (a `pick` is taken
 *   modulo their number), so nothing is read before its declaration (no
 *   temporal dead zone) and nothing undeclared is read. A declaration that
 *   shadows an outer name is only ever the first statement of its block, and
 *   its initialiser is rendered without that name in scope.
 * - It terminates: a loop's counter is declared by the loop and is not among
 *   the assignable variables, each loop runs at most 3 times, and a helper
 *   generator only calls helpers declared before it.
 * - `break` and `continue` are resolved against the enclosing targets (labelled
 *   ones too); with no valid target one renders as a log entry instead.
 * - It throws only its own errors: spreads, `for-of` and destructuring take
 *   array or object literals (or helper generators), calls go to the module's
 *   own pure functions. So error messages never name a variable, which the
 *   compiled code renames.
 * - Each program gets its own `log` of effects, `fns` of closures and object
 *   `o` (helpers receive `log` and `fns`); `main` returns all three at the end.
 *
 * Not generated, because the compiler refuses them with a CompileError (each
 * renders as `=` instead): a logical assignment (`||=`, `&&=`, `??=`) around a
 * `yield`, and a compound assignment whose value yields to a variable that is
 * not the generator's own (one a generator expression captures). Nor `yield`
 * in tagged templates, optional chains, classes, `super` calls or `for await`,
 * which it also refuses. Constructs the compiler gets wrong today (`KnownBug`)
 * render as nearby ones unless asked for.
 */
import fc from "fast-check";

// ── The grammar ──────────────────────────────────────────────────────────────

export type BinaryOp = "+" | "-" | "*" | "%" | "<" | "===" | "!==";
export type LogicalOp = "&&" | "||" | "??";
export type AssignOp = "=" | "+=" | "-=" | "*=" | "||=" | "&&=" | "??=";

/** A property key of `o` (or of an object literal): a fixed name or a computed one. */
export type Key = { readonly t: "name"; readonly name: string } | { readonly t: "computed"; readonly e: Expr };

export type Expr =
  | { readonly t: "num"; readonly v: number }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "var"; readonly pick: number }
  | { readonly t: "yield"; readonly arg: Expr | null }
  | { readonly t: "star"; readonly src: Star }
  | { readonly t: "bin"; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr }
  | { readonly t: "logic"; readonly op: LogicalOp; readonly l: Expr; readonly r: Expr }
  | { readonly t: "cond"; readonly test: Expr; readonly yes: Expr; readonly no: Expr }
  | { readonly t: "unary"; readonly op: "-" | "!" | "typeof"; readonly arg: Expr }
  | { readonly t: "call"; readonly callee: "pack" | "box.add" | "new Pair"; readonly args: readonly Expr[]; readonly spread: boolean }
  | { readonly t: "array"; readonly items: readonly Expr[]; readonly spread: boolean }
  | { readonly t: "spread"; readonly pick: number; readonly arg: Expr } // [...helper(arg, log, fns)]: the helper's yields go into the array
  | { readonly t: "drive"; readonly pick: number; readonly arg: Expr; readonly ops: readonly Op[] } // a helper driven by hand: next / return / throw
  | { readonly t: "object"; readonly props: ReadonlyArray<{ readonly key: Key; readonly value: Expr }> }
  | { readonly t: "template"; readonly parts: readonly Expr[] }
  | { readonly t: "assign"; readonly pick: number; readonly op: AssignOp; readonly value: Expr }
  | { readonly t: "member"; readonly key: Key }
  | { readonly t: "memberAssign"; readonly key: Key; readonly op: AssignOp; readonly value: Expr }
  | { readonly t: "update"; readonly key: Key; readonly op: "++" | "--"; readonly prefix: boolean }
  | { readonly t: "delete"; readonly key: Key } // delete o[key]
  | { readonly t: "in"; readonly key: Expr } // key in o
  | { readonly t: "seq"; readonly a: Expr; readonly b: Expr };

/** A call on a generator object driven by hand (PRELUDE's `drive`). */
export type Op = 0 | 1 | 2; // next(), return("r"), throw(new Error("t"))

/** What `yield*` delegates to: a helper generator, an array, or a generator expression called at once. */
export type Star =
  | { readonly t: "helper"; readonly pick: number; readonly arg: Expr }
  | { readonly t: "array"; readonly items: readonly Expr[] }
  | { readonly t: "inline"; readonly first: Expr; readonly last: Expr };

/** A declaration's binding: `v`, `[v, w = d] = [init, second]`, `[v, ...w]`, or `{ p: v, q: w = d } = { p: init, q: second }`. */
export type Pattern =
  | { readonly t: "id"; readonly shadow: number | null }
  | { readonly t: "array"; readonly second: Expr | null; readonly dflt: Expr; readonly rest: boolean }
  | { readonly t: "object"; readonly second: Expr | null; readonly dflt: Expr };

export type Stmt =
  | { readonly t: "log"; readonly e: Expr } // log.push(e)
  | { readonly t: "expr"; readonly e: Expr }
  | { readonly t: "decl"; readonly kind: "let" | "const" | "var"; readonly pat: Pattern; readonly init: Expr }
  | { readonly t: "destructure"; readonly shape: "array" | "object"; readonly a: Target; readonly b: Target; readonly x: Expr; readonly y: Expr | null; readonly dflt: Expr } // [a, b = dflt] = [x, y] or ({ p: a, q: b = dflt } = { p: x, q: y })
  | { readonly t: "if"; readonly test: Expr; readonly yes: readonly Stmt[]; readonly no: readonly Stmt[] | null }
  | {
      readonly t: "loop";
      readonly kind: "for" | "forVar" | "while" | "do";
      readonly n: number; // at most this many iterations
      readonly guard: Expr | null; // also part of the test
      readonly update: Expr | null; // also part of a for loop's update
      readonly body: readonly Stmt[];
      readonly labelled: boolean;
    }
  | { readonly t: "forOf"; readonly src: Star; readonly head: "const" | "let" | "pattern"; readonly dflt: Expr; readonly body: readonly Stmt[]; readonly labelled: boolean }
  | { readonly t: "forIn"; readonly over: readonly Expr[] | null; readonly body: readonly Stmt[]; readonly labelled: boolean } // null: over `o`
  | { readonly t: "break"; readonly pick: number }
  | { readonly t: "continue"; readonly pick: number }
  | { readonly t: "switch"; readonly disc: Expr; readonly cases: readonly Case[]; readonly dflt: number | null }
  | { readonly t: "try"; readonly block: readonly Stmt[]; readonly handler: Handler | null; readonly finalizer: readonly Stmt[] | null }
  | { readonly t: "throw"; readonly e: Expr }
  | { readonly t: "return"; readonly e: Expr | null }
  | { readonly t: "closure"; readonly pick: number; readonly kind: "arrow" | "inc" | "declaration" } // fns.push(() => v), fns.push(() => (v += 1)), or a function declaration pushed before it
  | { readonly t: "block"; readonly body: readonly Stmt[]; readonly labelled: boolean };

/** What a destructuring assignment assigns to: a variable or a property of `o`. */
export type Target = { readonly t: "var"; readonly pick: number } | { readonly t: "member"; readonly key: Key };

export interface Case {
  readonly test: Expr;
  readonly body: readonly Stmt[];
  readonly brk: boolean;
  readonly braced: boolean;
}

export interface Handler {
  readonly bind: "id" | "pattern" | "none"; // catch (e) / catch ({ message: m }) / catch
  readonly body: readonly Stmt[];
}

export interface Helper {
  readonly body: readonly Stmt[];
  readonly result: Expr;
}

export interface Program {
  readonly helpers: readonly Helper[];
  readonly body: readonly Stmt[];
}

// ── Arbitraries ──────────────────────────────────────────────────────────────

/** A failing program also shrinks by replacing a construct with the simplest one of its kind (a number, a log entry). */
const shrinkToFirst = { withCrossShrink: true };
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): fc.WeightedArbitrary<T> => ({ weight, arbitrary });
const pick = fc.nat(31);
const small = fc.integer({ min: 0, max: 5 });
const num = small.map((v): Expr => ({ t: "num", v }));
const assignOp = fc.constantFrom<AssignOp>("=", "=", "+=", "-=", "*=", "||=", "&&=", "??=");

const leafExpr: fc.Arbitrary<Expr> = fc.oneof(
  shrinkToFirst,
  w(3, num),
  w(1, fc.constantFrom("s", "t").map((v): Expr => ({ t: "str", v }))),
  w(5, pick.map((p): Expr => ({ t: "var", pick: p }))),
  w(6, fc.option(fc.oneof(num, pick.map((p): Expr => ({ t: "var", pick: p }))), { nil: null, freq: 4 }).map((arg): Expr => ({ t: "yield", arg }))),
  w(1, fc.constantFrom("k", "j").map((name): Expr => ({ t: "member", key: { t: "name", name } }))),
);

const exprs = new Map<number, fc.Arbitrary<Expr>>();

/** Expressions nested at most `depth` deep. */
function expr(depth: number): fc.Arbitrary<Expr> {
  const known = exprs.get(depth);
  if (known !== undefined) return known;
  if (depth === 0) return leafExpr;
  const e = expr(depth - 1);
  const key: fc.Arbitrary<Key> = fc.oneof(
    w(2, fc.constantFrom("k", "j", "m").map((name): Key => ({ t: "name", name }))),
    w(1, e.map((x): Key => ({ t: "computed", e: x }))),
  );
  const args = fc.array(e, { minLength: 0, maxLength: 3 });
  const arbitrary: fc.Arbitrary<Expr> = fc.oneof(
    shrinkToFirst,
    w(6, leafExpr),
    w(4, e.map((arg): Expr => ({ t: "yield", arg }))),
    w(2, star(depth - 1).map((src): Expr => ({ t: "star", src }))),
    w(3, fc.record({ op: fc.constantFrom<BinaryOp>("+", "-", "*", "%", "<", "===", "!=="), l: e, r: e }).map((x): Expr => ({ t: "bin", ...x }))),
    w(2, fc.record({ op: fc.constantFrom<LogicalOp>("&&", "||", "??"), l: e, r: e }).map((x): Expr => ({ t: "logic", ...x }))),
    w(2, fc.record({ test: e, yes: e, no: e }).map((x): Expr => ({ t: "cond", ...x }))),
    w(1, fc.record({ op: fc.constantFrom("-" as const, "!" as const, "typeof" as const), arg: e }).map((x): Expr => ({ t: "unary", ...x }))),
    w(2, fc.record({ callee: fc.constantFrom("pack" as const, "box.add" as const, "new Pair" as const), args, spread: fc.boolean() }).map((x): Expr => ({ t: "call", ...x }))),
    w(1, fc.record({ items: args, spread: fc.boolean() }).map((x): Expr => ({ t: "array", ...x }))),
    w(1, fc.record({ pick, arg: e }).map((x): Expr => ({ t: "spread", ...x }))),
    w(1, fc.record({ pick, arg: e, ops: fc.array(fc.constantFrom<Op>(0, 0, 1, 2), { minLength: 1, maxLength: 4 }) }).map((x): Expr => ({ t: "drive", ...x }))),
    w(1, fc.array(fc.record({ key, value: e }), { maxLength: 3 }).map((props): Expr => ({ t: "object", props }))),
    w(1, fc.array(e, { minLength: 1, maxLength: 3 }).map((parts): Expr => ({ t: "template", parts }))),
    w(3, fc.record({ pick, op: assignOp, value: e }).map((x): Expr => ({ t: "assign", ...x }))),
    w(1, key.map((k): Expr => ({ t: "member", key: k }))),
    w(2, fc.record({ key, op: assignOp, value: e }).map((x): Expr => ({ t: "memberAssign", ...x }))),
    w(1, fc.record({ key, op: fc.constantFrom("++" as const, "--" as const), prefix: fc.boolean() }).map((x): Expr => ({ t: "update", ...x }))),
    w(1, fc.record({ a: e, b: e }).map((x): Expr => ({ t: "seq", ...x }))),
    w(1, key.map((k): Expr => ({ t: "delete", key: k }))),
    w(1, e.map((k): Expr => ({ t: "in", key: k }))),
  );
  exprs.set(depth, arbitrary);
  return arbitrary;
}

function star(depth: number): fc.Arbitrary<Star> {
  const e = expr(depth);
  return fc.oneof(
    w(4, fc.record({ pick, arg: e }).map((x): Star => ({ t: "helper", ...x }))),
    w(2, fc.array(e, { maxLength: 3 }).map((items): Star => ({ t: "array", items }))),
    w(1, fc.record({ first: e, last: e }).map((x): Star => ({ t: "inline", ...x }))),
  );
}

const stmts = new Map<number, fc.Arbitrary<Stmt>>();

/** Statements nested at most `depth` deep. */
function stmt(depth: number): fc.Arbitrary<Stmt> {
  const known = stmts.get(depth);
  if (known !== undefined) return known;
  const e = expr(2);
  const e1 = expr(1);
  const pattern: fc.Arbitrary<Pattern> = fc.oneof(
    w(5, fc.option(pick, { nil: null, freq: 2 }).map((shadow): Pattern => ({ t: "id", shadow }))),
    w(1, fc.record({ second: fc.option(e1, { nil: null }), dflt: e1, rest: fc.boolean() }).map((x): Pattern => ({ t: "array", ...x }))),
    w(1, fc.record({ second: fc.option(e1, { nil: null }), dflt: e1 }).map((x): Pattern => ({ t: "object", ...x }))),
  );
  const target: fc.Arbitrary<Target> = fc.oneof(
    w(3, pick.map((p): Target => ({ t: "var", pick: p }))),
    w(1, fc.constantFrom("k", "m").map((name): Target => ({ t: "member", key: { t: "name", name } }))),
    w(1, e1.map((x): Target => ({ t: "member", key: { t: "computed", e: x } }))),
  );
  const simple: Array<fc.WeightedArbitrary<Stmt>> = [
    w(6, e.map((x): Stmt => ({ t: "log", e: x }))),
    w(3, e.map((x): Stmt => ({ t: "expr", e: x }))),
    w(4, fc.record({ kind: fc.constantFrom("let" as const, "const" as const, "var" as const), pat: pattern, init: e }).map((x): Stmt => ({ t: "decl", ...x }))),
    w(2, fc.record({ shape: fc.constantFrom("array" as const, "object" as const), a: target, b: target, x: e1, y: fc.option(e1, { nil: null }), dflt: e1 }).map((x): Stmt => ({ t: "destructure", ...x }))),
    w(2, pick.map((p): Stmt => ({ t: "break", pick: p }))),
    w(2, pick.map((p): Stmt => ({ t: "continue", pick: p }))),
    w(3, fc.record({ pick, kind: fc.constantFrom("arrow" as const, "inc" as const, "declaration" as const) }).map((x): Stmt => ({ t: "closure", ...x }))),
    w(1, e1.map((x): Stmt => ({ t: "throw", e: x }))),
    w(1, fc.option(e1, { nil: null }).map((x): Stmt => ({ t: "return", e: x }))),
  ];
  if (depth === 0) {
    const arbitrary = fc.oneof(shrinkToFirst, ...simple);
    stmts.set(depth, arbitrary);
    return arbitrary;
  }
  const inner = stmt(depth - 1);
  const body = fc.array(inner, { minLength: 0, maxLength: 3 });
  const nonEmpty = fc.array(inner, { minLength: 1, maxLength: 3 });
  const bound = fc.oneof(w(1, fc.constant(0)), w(6, fc.integer({ min: 1, max: 3 })));
  const caseArb: fc.Arbitrary<Case> = fc.record({
    test: fc.oneof(w(6, fc.integer({ min: 0, max: 3 }).map((v): Expr => ({ t: "num", v }))), w(1, e1)),
    body,
    brk: fc.boolean(),
    braced: fc.boolean(),
  });
  const handler: fc.Arbitrary<Handler> = fc.record({ bind: fc.constantFrom("id" as const, "id" as const, "pattern" as const, "none" as const), body });
  const arbitrary: fc.Arbitrary<Stmt> = fc.oneof(
    shrinkToFirst,
    ...simple,
    w(3, fc.record({ test: e, yes: nonEmpty, no: fc.option(body, { nil: null }) }).map((x): Stmt => ({ t: "if", ...x }))),
    w(
      3,
      fc
        .record({
          kind: fc.constantFrom("for" as const, "for" as const, "forVar" as const, "while" as const, "do" as const),
          n: bound,
          guard: fc.option(e1, { nil: null, freq: 3 }),
          update: fc.option(e1, { nil: null, freq: 3 }),
          body: nonEmpty,
          labelled: fc.boolean(),
        })
        .map((x): Stmt => ({ t: "loop", ...x })),
    ),
    w(2, fc.record({ src: star(1), head: fc.constantFrom("const" as const, "let" as const, "pattern" as const), dflt: e1, body: nonEmpty, labelled: fc.boolean() }).map((x): Stmt => ({ t: "forOf", ...x }))),
    w(1, fc.record({ over: fc.option(fc.array(e1, { minLength: 1, maxLength: 3 }), { nil: null }), body: nonEmpty, labelled: fc.boolean() }).map((x): Stmt => ({ t: "forIn", ...x }))),
    w(2, fc.record({ disc: e1, cases: fc.array(caseArb, { minLength: 1, maxLength: 4 }), dflt: fc.option(fc.nat(4), { nil: null }) }).map((x): Stmt => ({ t: "switch", ...x }))),
    w(
      4,
      fc
        .record({ block: nonEmpty, handler: fc.option(handler, { nil: null }), finalizer: fc.option(body, { nil: null }) })
        .map((x): Stmt => ({ t: "try", ...x, handler: x.handler ?? (x.finalizer === null ? { bind: "id", body: [] } : null) })),
    ),
    w(1, fc.record({ body: nonEmpty, labelled: fc.boolean() }).map((x): Stmt => ({ t: "block", ...x }))),
  );
  stmts.set(depth, arbitrary);
  return arbitrary;
}

/**
 * Programs: a `main` generator of up to `statements` statements nested up to
 * `depth` deep, and up to two helper generators it (and later helpers) can delegate to.
 */
export function programs(depth: number, statements: number): fc.Arbitrary<Program> {
  return fc.record({
    helpers: fc.array(fc.record({ body: fc.array(stmt(depth - 1), { minLength: 1, maxLength: 3 }), result: expr(1) }), { maxLength: 2 }),
    body: fc.array(stmt(depth), { minLength: 1, maxLength: statements }),
  });
}

export const program: fc.Arbitrary<Program> = programs(3, 7);

// ── Rendering ────────────────────────────────────────────────────────────────

/**
 * Constructs the compiler gets wrong today, each rendered as a nearby one that
 * it gets right while the bug is open (fuzz-compiler.test.ts lists them).
 */
export type KnownBug = "catch-pattern" | "catch-env" | "pattern-member-yield" | "head-pattern-yield" | "sequence-effect" | "object-key-order" | "pattern-target-order" | "catch-param-local" | "finally-abrupt";

/** Definitions every program may use; they keep no state, so one run cannot change the next. */
export const PRELUDE = `"use durable";
function pack(...xs) { return xs.join("|"); }
class Box { constructor() { this.n = 7; } add(x, y) { return [this.n, x, y]; } }
const box = new Box(); // an instance of a module-level class: a snapshot saves it (an object literal's method it could not)
class Pair { constructor(x, y) { this.x = x; this.y = y; } }
function drive(g, ops) {
  const out = [];
  for (const op of ops) {
    try {
      const r = op === 0 ? g.next(out.length) : op === 1 ? g.return("r") : g.throw(new Error("t"));
      out.push([r.done, r.value]);
    } catch (e) {
      out.push(["threw", String(e)]);
    }
  }
  return out;
}
`;

/** A variable in scope: `ref` is how it is read (`e3.message` for a caught error). */
interface Entry {
  readonly name: string;
  readonly ref: string;
  readonly mutable: boolean;
}

interface JumpTarget {
  readonly kind: "loop" | "switch" | "block";
  readonly label: string | null;
}

interface Context {
  /** The variables visible here; a block works on a copy. */
  readonly scope: Entry[];
  readonly targets: readonly JumpTarget[];
  readonly indent: string;
  /** Inside a generator expression: the variables in scope are captured ones, not its own. */
  readonly nested?: boolean;
  /** Inside a region a `finally` guards in the compiled code: a yielding try (or catch) block with a finally, or a yielding for-of. */
  readonly guarded?: boolean;
  /** In a finally block that must not complete abruptly (KnownBug "finally-abrupt"): the number of jump targets outside it. */
  readonly quiet?: number;
}

const STEP = "  ";

class Renderer {
  private fresh = 0;

  constructor(
    private readonly helpers: readonly string[],
    private readonly inMain: boolean,
    private readonly avoid: ReadonlySet<KnownBug>,
  ) {}

  private name(kind: string): string {
    return `${kind}${this.fresh++}`;
  }

  // Statements.

  /** A block's statements, one level deeper; `shadowFirst` lets its first statement shadow an outer name. */
  block(body: readonly Stmt[], outer: Context, targets: readonly JumpTarget[], shadowFirst: boolean, prelude: string[] = []): string[] {
    const context: Context = { ...outer, scope: [...outer.scope], targets, indent: outer.indent + STEP };
    const lines = prelude.map((line) => context.indent + line);
    body.forEach((s, i) => lines.push(...this.stmt(s, context, shadowFirst && i === 0)));
    return lines;
  }

  stmt(s: Stmt, c: Context, mayShadow: boolean): string[] {
    const at = c.indent;
    switch (s.t) {
      case "log":
        return [`${at}log.push(${this.expr(s.e, c, true)});`];
      case "expr": {
        const text = this.expr(s.e, c, true, true);
        return [`${at}${text.startsWith("{") || text.startsWith("function") ? `(${text})` : text};`];
      }
      case "decl":
        return [at + this.decl(s, c, mayShadow)];
      case "destructure": {
        const [a, b] = [this.patternTarget(s.a, s, c), this.patternTarget(s.b, s, c)];
        const [x, y, dflt] = [this.expr(s.x, c), s.y === null ? null : this.expr(s.y, c), this.expr(s.dflt, c)];
        if (s.shape === "array") return [`${at}[${a}, ${b} = ${dflt}] = [${y === null ? x : `${x}, ${y}`}];`];
        return [`${at}({ p: ${a}, q: ${b} = ${dflt} } = { p: ${x}${y === null ? "" : `, q: ${y}`} });`];
      }
      case "if": {
        const lines = [`${at}if (${this.expr(s.test, c)}) {`, ...this.block(s.yes, c, c.targets, true)];
        if (s.no !== null) lines.push(`${at}} else {`, ...this.block(s.no, c, c.targets, true));
        lines.push(`${at}}`);
        return lines;
      }
      case "loop":
        return this.loop(s, c);
      case "forOf":
        return this.forOf(s, c);
      case "forIn": {
        const label = s.labelled ? this.name("L") : null;
        const k = this.name("k");
        const over = s.over === null ? "o" : `{ ${s.over.map((x, i) => `${"pqr"[i]}: ${this.expr(x, c)}`).join(", ")} }`;
        const inner: Context = { ...c, scope: [...c.scope, { name: k, ref: k, mutable: false }] };
        return [
          `${at}${label === null ? "" : label + ": "}for (const ${k} in ${over}) {`,
          ...this.block(s.body, inner, [...c.targets, { kind: "loop", label }], true),
          `${at}}`,
        ];
      }
      case "break":
      case "continue": {
        const loopOnly = s.t === "continue";
        const jumps: Array<{ text: string; to: number }> = [];
        for (let i = c.targets.length - 1; i >= 0; i--) {
          const x = c.targets[i]!;
          if (x.kind === "loop" || (!loopOnly && x.kind === "switch")) {
            jumps.push({ text: s.t, to: i });
            break;
          }
        }
        c.targets.forEach((x, i) => {
          if (x.label !== null && (!loopOnly || x.kind === "loop")) jumps.push({ text: `${s.t} ${x.label}`, to: i });
        });
        const jump = jumps[s.pick % Math.max(jumps.length, 1)];
        if (jump === undefined || (c.quiet !== undefined && jump.to < c.quiet)) return [`${at}log.push("no ${s.t}");`];
        return [`${at}${jump.text};`];
      }
      case "switch":
        return this.switch(s, c);
      case "try":
        return this.try(s, c);
      case "throw":
        if (c.quiet !== undefined) return [`${at}log.push("no throw");`];
        return [`${at}throw new Error("thrown " + ${this.expr(s.e, c)});`];
      case "return": {
        if (c.quiet !== undefined) return [`${at}log.push("no return");`];
        const value = s.e === null ? "undefined" : this.expr(s.e, c, true);
        if (this.inMain) return [`${at}return { r: ${value}, log, fns: fns.map((f) => f()) };`];
        return [s.e === null ? `${at}return;` : `${at}return ${value};`];
      }
      case "closure": {
        if (s.kind === "inc") return [`${at}fns.push(() => (${this.target(s.pick, c)} += 1));`];
        if (s.kind === "arrow") return [`${at}fns.push(() => ${this.read(s.pick, c)});`];
        // Pushed before its declaration: hoisted to the top of its block.
        const f = this.name("f");
        return [`${at}fns.push(${f});`, `${at}function ${f}() { return ${this.read(s.pick, c)}; }`];
      }
      case "block": {
        const label = s.labelled ? this.name("B") : null;
        const targets = label === null ? c.targets : [...c.targets, { kind: "block" as const, label }];
        return [`${at}${label === null ? "" : label + ": "}{`, ...this.block(s.body, c, targets, true), `${at}}`];
      }
    }
  }

  private decl(s: Extract<Stmt, { t: "decl" }>, c: Context, mayShadow: boolean): string {
    const mutable = s.kind !== "const";
    const pat = s.pat;
    if (pat.t === "id") {
      // Shadowing: `var` would clash with a `let` of the same name, so only let/const shadow.
      const candidates = pat.shadow !== null && mayShadow && s.kind !== "var" ? c.scope.filter((v) => v.ref === v.name) : [];
      if (candidates.length > 0) {
        const name = candidates[pat.shadow! % candidates.length]!.name;
        const outside: Context = { ...c, scope: c.scope.filter((v) => v.name !== name) };
        const text = `${s.kind} ${name} = ${this.expr(s.init, outside, true)};`;
        c.scope.splice(0, c.scope.length, ...outside.scope, { name, ref: name, mutable });
        return text;
      }
      const name = this.name("v");
      const text = `${s.kind} ${name} = ${this.expr(s.init, c, true)};`;
      c.scope.push({ name, ref: name, mutable });
      return text;
    }
    const [first, second] = [this.name("v"), this.name("v")];
    let text: string;
    if (pat.t === "array") {
      const right = `[${this.expr(s.init, c)}${pat.second === null ? "" : ", " + this.expr(pat.second, c)}]`;
      text = pat.rest ? `${s.kind} [${first}, ...${second}] = ${right};` : `${s.kind} [${first}, ${second} = ${this.expr(pat.dflt, c)}] = ${right};`;
    } else {
      const right = `{ p: ${this.expr(s.init, c)}${pat.second === null ? "" : ", q: " + this.expr(pat.second, c)} }`;
      text = `${s.kind} { p: ${first}, q: ${second} = ${this.expr(pat.dflt, c)} } = ${right};`;
    }
    c.scope.push({ name: first, ref: first, mutable }, { name: second, ref: second, mutable });
    return text;
  }

  private loop(s: Extract<Stmt, { t: "loop" }>, c: Context): string[] {
    const at = c.indent;
    const label = s.labelled ? this.name("L") : null;
    const prefix = label === null ? "" : label + ": ";
    const targets = [...c.targets, { kind: "loop" as const, label }];
    // A guard can only end the loop sooner.
    const guarded = (test: string, inner: Context): string => (s.guard === null ? test : `${test} && (${this.expr(s.guard, inner)} ?? 1)`);
    if (s.kind === "for" || s.kind === "forVar") {
      const i = this.name("i");
      const inner: Context = { ...c, scope: [...c.scope, { name: i, ref: i, mutable: false }] };
      let update = `${i}++`;
      if (s.update !== null && this.avoid.has("sequence-effect") && containsYield(s.update)) update = `[${i}++, ${this.expr(s.update, inner)}]`;
      else if (s.update !== null) update = `${i}++, ${this.expr(s.update, inner, false, true)}`;
      return [`${at}${prefix}for (${s.kind === "for" ? "let" : "var"} ${i} = 0; ${guarded(`${i} < ${s.n}`, inner)}; ${update}) {`, ...this.block(s.body, inner, targets, true), `${at}}`];
    }
    // The counter goes down first thing in the body, so `continue` cannot skip it;
    // the outer block keeps its declaration out of any enclosing switch case.
    const counter = this.name(s.kind === "while" ? "w" : "d");
    const inner: Context = { ...c, indent: at + STEP, scope: [...c.scope, { name: counter, ref: counter, mutable: false }] };
    const test = guarded(`${counter} > 0`, inner);
    const head = s.kind === "while" ? `while (${test}) {` : "do {";
    const tail = s.kind === "while" ? "}" : `} while (${test});`;
    return [
      `${at}{`,
      `${at}${STEP}let ${counter} = ${s.n};`,
      `${at}${STEP}${prefix}${head}`,
      ...this.block(s.body, inner, targets, false, [`${counter}--;`]),
      `${at}${STEP}${tail}`,
      `${at}}`,
    ];
  }

  private forOf(s: Extract<Stmt, { t: "forOf" }>, c: Context): string[] {
    const at = c.indent;
    const label = s.labelled ? this.name("L") : null;
    const src = s.src;
    // Destructuring a helper's yields could meet a non-iterable; patterns only take literal pairs.
    const pattern = s.head === "pattern" && src.t !== "helper";
    let over: string;
    if (src.t === "helper" && this.helpers.length > 0) over = `${this.helpers[src.pick % this.helpers.length]}(${this.expr(src.arg, c)}, log, fns)`;
    else if (src.t === "helper") over = `[${this.expr(src.arg, c)}]`;
    else if (src.t === "array") over = `[${src.items.map((x) => (pattern ? `[${this.expr(x, c)}]` : this.expr(x, c))).join(", ")}]`;
    else if (!pattern) over = this.delegate(src, c);
    else over = `[${[src.first, src.last].map((x) => `[${this.expr(x, c)}]`).join(", ")}]`;
    const v = this.name("v");
    const scope = [...c.scope, { name: v, ref: v, mutable: s.head === "let" }];
    let head = `${s.head === "let" ? "let" : "const"} ${v}`;
    if (pattern) {
      const second = this.name("v");
      // The first variable is in scope for the second's default.
      const dflt = this.avoid.has("head-pattern-yield") && containsYield(s.dflt) ? v : this.expr(s.dflt, { ...c, scope });
      head = `const [${v}, ${second} = ${dflt}]`;
      scope.push({ name: second, ref: second, mutable: false });
    }
    return [
      `${at}${label === null ? "" : label + ": "}for (${head} of ${over}) {`,
      ...this.block(s.body, { ...c, scope, guarded: c.guarded === true || stmtYields(s) }, [...c.targets, { kind: "loop", label }], true),
      `${at}}`,
    ];
  }

  private switch(s: Extract<Stmt, { t: "switch" }>, c: Context): string[] {
    const at = c.indent;
    const lines = [`${at}switch ((${this.expr(s.disc, c)}) % 4) {`];
    const targets = [...c.targets, { kind: "switch" as const, label: null }];
    const inCase: Context = { ...c, indent: at + STEP };
    const dflt = s.dflt === null ? -1 : s.dflt % (s.cases.length + 1);
    s.cases.forEach((k, i) => {
      lines.push(`${at}${STEP}${i === dflt ? "default" : `case ${this.expr(k.test, c)}`}:`);
      // Cases share the switch's scope, but a case's declarations are in scope in that case only (after them),
      // so no case reads one it jumped past; and only a braced case body may shadow.
      if (k.braced) lines.push(`${at}${STEP}${STEP}{`, ...this.block(k.body, { ...inCase, indent: inCase.indent + STEP }, targets, true), `${at}${STEP}${STEP}}`);
      else lines.push(...this.block(k.body, { ...inCase, scope: [...c.scope] }, targets, false));
      if (k.brk) lines.push(`${at}${STEP}${STEP}break;`);
    });
    lines.push(`${at}}`);
    return lines;
  }

  private try(s: Extract<Stmt, { t: "try" }>, c: Context): string[] {
    const at = c.indent;
    const yields = stmtYields(s);
    const inside: Context = yields && s.finalizer !== null ? { ...c, guarded: true } : c;
    const lines = [`${at}try {`, ...this.block(s.block, inside, c.targets, true)];
    const h = s.handler;
    if (h !== null && h.bind === "none") lines.push(`${at}} catch {`, ...this.block(h.body, inside, c.targets, true));
    else if (h !== null) lines.push(...this.catch(h, inside));
    // A try statement left as it is, in a guarded region: its finally block must not leave it (unless that bug is asked for).
    const quiet = !yields && c.guarded === true && c.quiet === undefined && this.avoid.has("finally-abrupt");
    const finalizer: Context = quiet ? { ...c, quiet: c.targets.length } : c;
    if (s.finalizer !== null) lines.push(`${at}} finally {`, ...this.block(s.finalizer, finalizer, c.targets, true));
    lines.push(`${at}}`);
    return lines;
  }

  /** `} catch (e) {` or `} catch ({ message: m }) {` and the handler's body. */
  private catch(h: Handler, c: Context): string[] {
    const at = c.indent;
    const e = this.name("e");
    let head = e;
    const prelude: string[] = [];
    // What the handler reads the caught error through: only its first statement reads the parameter itself.
    let caught = e;
    if (this.avoid.has("catch-param-local") && !(h.bind === "pattern" && !this.avoid.has("catch-pattern"))) {
      caught = this.name("e");
      prelude.push(`let ${caught} = ${e};`);
    }
    // What the body reads: the error's message, through the error or a binding of its own.
    let base = caught;
    let entry = (name: string): Entry => ({ name, ref: `${name}.message`, mutable: false });
    if (h.bind === "pattern") {
      const m = this.name("m");
      base = m;
      entry = (name) => ({ name, ref: name, mutable: true });
      if (this.avoid.has("catch-pattern")) prelude.push(`let { message: ${m} } = ${caught};`);
      else head = `{ message: ${m} }`;
    } else {
      prelude.push(`log.push("caught " + ${caught}.message);`);
    }
    if (!this.avoid.has("catch-env")) {
      return [`${at}} catch (${head}) {`, ...this.block(h.body, { ...c, scope: [...c.scope, entry(base)] }, c.targets, false, prelude)];
    }
    // Nothing may be hoisted to the top of the handler (a function declaration, the
    // environment of a captured binding): the body goes in a block of its own, where
    // a copy stands for the caught value.
    const copy = this.name("c");
    const inner: Context = { ...c, indent: at + STEP, scope: [...c.scope, entry(copy)] };
    return [
      `${at}} catch (${head}) {`,
      ...prelude.map((line) => at + STEP + line),
      `${at}${STEP}{`,
      ...this.block(h.body, inner, c.targets, false, [`let ${copy} = ${base};`]),
      `${at}${STEP}}`,
    ];
  }

  // Expressions: every compound one in parentheses, so precedence never matters.

  /** `top`: needs no parentheses; `ignored`: its value is not used (a statement, a for update, a sequence's operand). */
  expr(e: Expr, c: Context, top = false, ignored = false): string {
    switch (e.t) {
      case "num":
        return String(e.v);
      case "str":
        return JSON.stringify(e.v);
      case "var":
        return this.read(e.pick, c);
      case "yield": {
        const text = e.arg === null ? "yield" : `yield ${this.expr(e.arg, c)}`;
        return top ? text : `(${text})`;
      }
      case "star": {
        const text = `yield* ${this.delegate(e.src, c)}`;
        return top ? text : `(${text})`;
      }
      case "bin":
        return `(${this.expr(e.l, c)} ${e.op} ${this.expr(e.r, c)})`;
      case "logic":
        return `(${this.expr(e.l, c)} ${e.op} ${this.expr(e.r, c)})`;
      case "cond":
        return `(${this.expr(e.test, c)} ? ${this.expr(e.yes, c)} : ${this.expr(e.no, c)})`;
      case "unary":
        return `(${e.op}${e.op === "typeof" ? " " : ""}${this.expr(e.arg, c)})`;
      case "call": {
        const args = e.args.map((x) => this.expr(x, c));
        if (e.spread && args.length > 0) args[0] = `...[${args[0]}, 1]`;
        return `${e.callee}(${args.join(", ")})`;
      }
      case "array": {
        const items = e.items.map((x) => this.expr(x, c));
        if (e.spread) items.splice(items.length >> 1, 0, "...[8, 9]");
        return `[${items.join(", ")}]`;
      }
      case "spread": {
        const helper = this.helpers.length === 0 ? `[${this.expr(e.arg, c)}]` : `${this.helpers[e.pick % this.helpers.length]}(${this.expr(e.arg, c)}, log, fns)`;
        return `[...${helper}]`;
      }
      case "drive": {
        const arg = this.expr(e.arg, c);
        const generator = this.helpers.length === 0 ? `(function* (v) { return yield v; })(${arg})` : `${this.helpers[e.pick % this.helpers.length]}(${arg}, log, fns)`;
        return `drive(${generator}, [${e.ops.join(", ")}])`;
      }
      case "object": {
        let lastYield = -1;
        e.props.forEach((p, i) => {
          if ((p.key.t === "computed" && containsYield(p.key.e)) || containsYield(p.value)) lastYield = i;
        });
        const keyAfterYield = (i: number): boolean => this.avoid.has("object-key-order") && lastYield >= 0 && i > lastYield;
        const props = e.props.map((p, i) => `${p.key.t === "computed" && !keyAfterYield(i) ? `[${this.expr(p.key.e, c)}]` : "pqr"[i]}: ${this.expr(p.value, c)}`);
        return props.length === 0 ? "{}" : `{ ${props.join(", ")} }`;
      }
      case "template":
        return "`t" + e.parts.map((x, i) => "${" + this.expr(x, c) + "}" + "-".repeat(i + 1)).join("") + "`";
      case "assign":
        return `(${this.target(e.pick, c)} ${this.assignOp(e.op, [e.value], c.nested === true)} ${this.expr(e.value, c)})`;
      case "member":
        return this.member(e.key, c);
      case "memberAssign": {
        const keyParts = e.key.t === "computed" ? [e.key.e, e.value] : [e.value];
        return `(${this.member(e.key, c)} ${this.assignOp(e.op, keyParts)} ${this.expr(e.value, c)})`;
      }
      case "update":
        return e.prefix ? `(${e.op}${this.member(e.key, c)})` : `(${this.member(e.key, c)}${e.op})`;
      case "delete":
        return `(delete ${this.member(e.key, c)})`;
      case "in":
        return `(${this.expr(e.key, c)} in o)`;
      case "seq":
        if (ignored && this.avoid.has("sequence-effect") && containsYield(e)) return `[${this.expr(e.a, c)}, ${this.expr(e.b, c)}]`;
        return `(${this.expr(e.a, c, false, true)}, ${this.expr(e.b, c, false, ignored)})`;
    }
  }

  /** A destructuring assignment's target: with a known bug in the way, a member target's computed key becomes a name. */
  private patternTarget(x: Target, s: Extract<Stmt, { t: "destructure" }>, c: Context): string {
    if (x.t === "var") return this.target(x.pick, c);
    const keyYields = x.key.t === "computed" && containsYield(x.key.e);
    const avoided = (keyYields && this.avoid.has("pattern-member-yield")) || (containsYield(s.dflt) && this.avoid.has("pattern-target-order"));
    return this.member(avoided ? { t: "name", name: "k" } : x.key, c);
  }

  /** A variable to read; `o.k` when a shadowing declaration's initialiser has nothing else in scope. */
  private read(pick: number, c: Context): string {
    return c.scope.length === 0 ? "o.k" : c.scope[pick % c.scope.length]!.ref;
  }

  /** An assignable variable; `o.m` when every one in scope is shadowed by a constant. */
  private target(pick: number, c: Context): string {
    const mutable = c.scope.filter((v) => v.mutable);
    return mutable.length === 0 ? "o.m" : mutable[pick % mutable.length]!.name;
  }

  private member(key: Key, c: Context): string {
    return key.t === "name" ? `o.${key.name}` : `o[${this.expr(key.e, c)}]`;
  }

  /**
   * The compiler refuses a logical assignment around a yield, and a compound one
   * whose value yields to a variable not of this generator (a captured one):
   * those render as `=`.
   */
  private assignOp(op: AssignOp, parts: readonly Expr[], captured = false): AssignOp {
    if (op === "=" || !parts.some(containsYield)) return op;
    return op === "||=" || op === "&&=" || op === "??=" || captured ? "=" : op;
  }

  private delegate(src: Star, c: Context): string {
    if (src.t === "helper" && this.helpers.length > 0) return `${this.helpers[src.pick % this.helpers.length]}(${this.expr(src.arg, c)}, log, fns)`;
    if (src.t === "helper") return `[${this.expr(src.arg, c)}]`;
    if (src.t === "array") return `[${src.items.map((x) => this.expr(x, c)).join(", ")}]`;
    const inside: Context = { ...c, nested: true };
    return `(function* () { const r = yield ${this.expr(src.first, inside)}; return [r, ${this.expr(src.last, inside)}]; })()`;
  }

  /** The generator function itself. */
  function(name: string, params: string, body: readonly Stmt[], scope: Entry[], prelude: string[], end: string): string {
    const c: Context = { scope, targets: [], indent: "" };
    // A first statement shadowing a parameter or a prelude variable would redeclare it.
    const lines = this.block(body, c, [], false, [...prelude]);
    return [`${name.startsWith("main") ? "export " : ""}function* ${name}(${params}) {`, ...lines, `${STEP}${end}`, "}"].join("\n");
  }
}

/** Whether statement `s` contains a `yield` (then the compiler takes it apart into cases; otherwise it leaves it as it is). */
export function stmtYields(s: Stmt): boolean {
  const any = (body: readonly Stmt[] | null): boolean => body !== null && body.some(stmtYields);
  const expr = (e: Expr | null): boolean => e !== null && containsYield(e);
  switch (s.t) {
    case "log":
    case "expr":
    case "throw":
      return containsYield(s.e);
    case "return":
      return expr(s.e);
    case "decl":
      return containsYield(s.init) || (s.pat.t !== "id" && (expr(s.pat.second) || containsYield(s.pat.dflt)));
    case "destructure":
      return [s.a, s.b].some((x) => x.t === "member" && x.key.t === "computed" && containsYield(x.key.e)) || containsYield(s.x) || expr(s.y) || containsYield(s.dflt);
    case "if":
      return containsYield(s.test) || any(s.yes) || any(s.no);
    case "loop":
      return expr(s.guard) || expr(s.update) || any(s.body);
    case "forOf": {
      const src = s.src;
      // An inline generator's own yields are not the loop's, unless a pattern head makes it an array of pairs.
      const pattern = s.head === "pattern" && src.t !== "helper";
      const head = src.t === "helper" ? containsYield(src.arg) : src.t === "array" ? src.items.some(containsYield) : pattern && (containsYield(src.first) || containsYield(src.last));
      return head || (pattern && containsYield(s.dflt)) || any(s.body);
    }
    case "forIn":
      return (s.over !== null && s.over.some(containsYield)) || any(s.body);
    case "break":
    case "continue":
    case "closure":
      return false;
    case "switch":
      return containsYield(s.disc) || s.cases.some((k) => containsYield(k.test) || any(k.body));
    case "try":
      return any(s.block) || (s.handler !== null && any(s.handler.body)) || any(s.finalizer);
    case "block":
      return any(s.body);
  }
}

/** Whether `e` contains a `yield` of the function it is in (a generator expression's own yields do not count). */
export function containsYield(e: Expr): boolean {
  switch (e.t) {
    case "num":
    case "str":
    case "var":
      return false;
    case "yield":
    case "star":
      return true;
    case "bin":
    case "logic":
      return containsYield(e.l) || containsYield(e.r);
    case "cond":
      return containsYield(e.test) || containsYield(e.yes) || containsYield(e.no);
    case "unary":
      return containsYield(e.arg);
    case "call":
    case "array":
      return (e.t === "call" ? e.args : e.items).some(containsYield);
    case "object":
      return e.props.some((p) => (p.key.t === "computed" && containsYield(p.key.e)) || containsYield(p.value));
    case "template":
      return e.parts.some(containsYield);
    case "assign":
      return containsYield(e.value);
    case "spread":
    case "drive":
      return containsYield(e.arg);
    case "member":
    case "update":
    case "delete":
      return e.key.t === "computed" && containsYield(e.key.e);
    case "memberAssign":
      return (e.key.t === "computed" && containsYield(e.key.e)) || containsYield(e.value);
    case "seq":
      return containsYield(e.a) || containsYield(e.b);
    case "in":
      return containsYield(e.key);
  }
}

/** Program `index`'s generators: `main<index>` (exported) and its helpers `p<index>h<j>`. */
export function renderProgram(p: Program, index: number, avoid: ReadonlySet<KnownBug> = new Set()): string {
  const parts: string[] = [];
  const helperNames: string[] = [];
  p.helpers.forEach((h, j) => {
    const name = `p${index}h${j}`;
    const r = new Renderer([...helperNames], false, avoid);
    const scope: Entry[] = [{ name: "x", ref: "x", mutable: true }];
    const result = r.expr(h.result, { scope, targets: [], indent: STEP }, true);
    parts.push(r.function(name, "x, log, fns", h.body, scope, ["const o = { k: x };"], `return ${result};`));
    helperNames.push(name);
  });
  const r = new Renderer(helperNames, true, avoid);
  const scope: Entry[] = [
    { name: "a", ref: "a", mutable: true },
    { name: "b", ref: "b", mutable: true },
  ];
  const prelude = ["const log = [];", "const fns = [];", 'const o = { k: 1, j: "j" };', "let a = 1;", 'let b = "s";'];
  parts.push(r.function(`main${index}`, "", p.body, scope, prelude, "return { log, fns: fns.map((f) => f()), a, b, o };"));
  return parts.join("\n");
}

/** One module holding every program of a batch, after the shared prelude. */
export function renderModule(programs: readonly Program[], avoid: ReadonlySet<KnownBug> = new Set()): string {
  return PRELUDE + programs.map((p, i) => renderProgram(p, i, avoid)).join("\n\n") + "\n";
}
