/**
 * The explode pass: turns a generator body (already rewritten by `slots.ts` so
 * that its variables live on `$l`) into the body function of a compiled
 * coroutine — `for (;;) switch ($f.ip) { case 0: ... }` — in the manner of
 * regenerator's emitter: a statement or expression that contains no `yield`
 * is emitted as it is; one that does is taken apart into cases, so that every
 * `yield` ends a case and the code after it starts the next.
 *
 * Invariants of the emitted code (the run time in src/durable/frame.ts relies on them):
 * - Case numbers (locations) are handed out in source order, so a try
 *   statement's regions are ranges of cases.
 * - `$f.ip` always holds the case that is running: every jump stores it, and a
 *   case that falls through into the next stores the next case's number first.
 * - A jump that leaves a `finally`-guarded region goes through the run time's
 *   `abrupt()`; every other jump is a plain `$f.ip = n; continue $s`.
 * - Values computed before a `yield` and used after it are kept in temporaries
 *   on `$l` (the body function's own locals do not survive a yield).
 */
import { types as t } from "@babel/core";
import { CompileError } from "./errors.js";

/** A case number, fixed when the location is marked. */
class Loc {
  value = -1;
  readonly refs: t.NumericLiteral[] = [];
  ref(): t.NumericLiteral {
    const node = t.numericLiteral(this.value);
    this.refs.push(node);
    return node;
  }
}

type Leap =
  | { kind: "loop"; label: string | null; breakLoc: Loc; continueLoc: Loc }
  | { kind: "switch"; breakLoc: Loc }
  | { kind: "label"; label: string; breakLoc: Loc }
  | { kind: "finally" }; // inside a try or catch block whose statement has a finally

export interface Names {
  readonly f: string; // the frame
  readonly l: string; // the locals
  readonly v: string; // the value resumed with
  readonly rt: string; // the run time namespace
  readonly label: string; // the dispatch loop's label
}

export interface Exploded {
  /** The body function's statements. */
  readonly body: t.Statement[];
  /** Try entries: [tryLoc, catchLoc, finallyLoc, afterLoc]. */
  readonly tries: number[][];
  /** Temporaries the locals object needs. */
  readonly temps: string[];
  /**
   * Where each resume point is in the original source: `[point, line, column, ...]`,
   * points ascending, line and column 1-based (the `yield` expression's start).
   * Points the compiler made up (no source location) are left out.
   */
  readonly points: number[];
}

const RETURN = 1;
const BREAK = 3;

export class Emitter {
  private readonly cases: Array<{ loc: number; body: t.Statement[] }> = [];
  private current: t.Statement[] = [];
  private readonly leaps: Leap[] = [];
  private readonly tries: Array<{ tryLoc: Loc; catchLoc: Loc | null; finallyLoc: Loc | null; afterLoc: Loc }> = [];
  private readonly temps: string[] = [];
  private readonly points: number[] = [];
  private tempCount = 0;

  constructor(
    private readonly names: Names,
    private readonly file: string,
    private readonly hasYield: (node: t.Node) => boolean,
  ) {
    this.cases.push({ loc: 0, body: this.current });
  }

  explodeBody(statements: t.Statement[]): Exploded {
    for (const statement of statements) this.explodeStatement(statement);
    this.emit(this.returnStatement(t.unaryExpression("void", t.numericLiteral(0))));
    for (const loc of this.allLocs) for (const ref of loc.refs) ref.value = loc.value;
    const { f, label } = this.names;
    const switchCases = this.cases.map((c) => t.switchCase(t.numericLiteral(c.loc), c.body));
    // A resume point the code does not have (a snapshot written by other code, or forged): an error, never a loop that matches nothing.
    switchCases.push(t.switchCase(null, [t.throwStatement(t.callExpression(t.memberExpression(t.identifier(this.names.rt), t.identifier("badResume")), [t.identifier(f)]))]));
    const loop = t.labeledStatement(
      t.identifier(label),
      t.forStatement(null, null, null, t.switchStatement(t.memberExpression(t.identifier(f), t.identifier("ip")), switchCases)),
    );
    return {
      body: [loop],
      tries: this.tries.map((entry) => [entry.tryLoc.value, entry.catchLoc?.value ?? -1, entry.finallyLoc?.value ?? -1, entry.afterLoc.value]),
      temps: this.temps,
      points: this.points,
    };
  }

  // ── Cases and jumps ────────────────────────────────────────────────────────

  private readonly allLocs: Loc[] = [];

  private loc(): Loc {
    const loc = new Loc();
    this.allLocs.push(loc);
    return loc;
  }

  /** Starts a new case at `loc`; the case before falls through into it. */
  private mark(loc: Loc): void {
    const number = this.cases.length;
    loc.value = number;
    if (!endsAbruptly(this.current)) this.current.push(this.setIp(t.numericLiteral(number)));
    this.current = [];
    this.cases.push({ loc: number, body: this.current });
  }

  private emit(statement: t.Statement): void {
    this.current.push(statement);
  }

  private setIp(value: t.Expression): t.Statement {
    return t.expressionStatement(t.assignmentExpression("=", t.memberExpression(t.identifier(this.names.f), t.identifier("ip")), value));
  }

  private jumpStatements(loc: Loc): t.Statement[] {
    return [this.setIp(loc.ref()), t.continueStatement(t.identifier(this.names.label))];
  }

  private jump(loc: Loc): void {
    for (const s of this.jumpStatements(loc)) this.emit(s);
  }

  private jumpIf(test: t.Expression, loc: Loc): void {
    this.emit(t.ifStatement(test, t.blockStatement(this.jumpStatements(loc))));
  }

  private jumpUnless(test: t.Expression, loc: Loc): void {
    this.emit(t.ifStatement(t.unaryExpression("!", test), t.blockStatement(this.jumpStatements(loc))));
  }

  private rt(name: string, args: t.Expression[]): t.CallExpression {
    return t.callExpression(t.memberExpression(t.identifier(this.names.rt), t.identifier(name)), args);
  }

  private frame(): t.Identifier {
    return t.identifier(this.names.f);
  }

  /** True when a jump from here to leap entry `index` (or out of the function) leaves a finally-guarded region. */
  private crossesFinally(index: number): boolean {
    for (let i = this.leaps.length - 1; i > index; i--) if (this.leaps[i]!.kind === "finally") return true;
    return false;
  }

  private leapStatements(index: number, loc: Loc): t.Statement[] {
    if (!this.crossesFinally(index)) return this.jumpStatements(loc);
    return [t.returnStatement(this.rt("abrupt", [this.frame(), t.numericLiteral(BREAK), loc.ref()]))];
  }

  private returnStatement(argument: t.Expression): t.Statement {
    if (this.crossesFinally(-1)) return t.returnStatement(this.rt("abrupt", [this.frame(), t.numericLiteral(RETURN), argument]));
    return t.blockStatement([this.setIp(t.numericLiteral(-1)), t.returnStatement(argument)]);
  }

  /** `return $d.leap($f, type, value)`: the driver applies the jump after the body function has returned. */
  private deferredLeap(type: number, value: t.Expression): t.Statement {
    return t.returnStatement(this.rt("leap", [this.frame(), t.numericLiteral(type), value]));
  }

  private findLeap(label: string | null, isContinue: boolean, at: t.Node): number {
    for (let i = this.leaps.length - 1; i >= 0; i--) {
      const leap = this.leaps[i]!;
      if (label === null) {
        if (leap.kind === "loop" || (leap.kind === "switch" && !isContinue)) return i;
      } else if ((leap.kind === "loop" || leap.kind === "label") && leap.label === label) {
        if (isContinue && leap.kind !== "loop") break;
        return i;
      }
    }
    throw this.error(`cannot find the target of ${isContinue ? "continue" : "break"}${label ? " " + label : ""}`, at);
  }

  private breakStatements(label: string | null, at: t.Node): t.Statement[] {
    const index = this.findLeap(label, false, at);
    return this.leapStatements(index, (this.leaps[index] as { breakLoc: Loc }).breakLoc);
  }

  private continueStatements(label: string | null, at: t.Node): t.Statement[] {
    const index = this.findLeap(label, true, at);
    return this.leapStatements(index, (this.leaps[index] as { continueLoc: Loc }).continueLoc);
  }

  private error(message: string, node: t.Node): CompileError {
    return new CompileError(message, { file: this.file, line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0 });
  }

  /** A fresh temporary on the locals object. */
  private temp(): t.MemberExpression {
    const name = `$t${this.tempCount++}`;
    this.temps.push(name);
    return t.memberExpression(t.identifier(this.names.l), t.identifier(name));
  }

  // ── Statements ─────────────────────────────────────────────────────────────

  private explodeStatement(node: t.Statement, label: string | null = null): void {
    if (!this.hasYield(node)) {
      this.emit(this.verbatim(node));
      return;
    }
    switch (node.type) {
      case "ExpressionStatement":
        this.explodeExpression(node.expression, true);
        return;
      case "BlockStatement":
        for (const statement of node.body) this.explodeStatement(statement);
        return;
      case "LabeledStatement": {
        const body = node.body;
        if (t.isLoop(body)) {
          this.explodeStatement(body, node.label.name);
          return;
        }
        const after = this.loc();
        this.leaps.push({ kind: "label", label: node.label.name, breakLoc: after });
        this.explodeStatement(body);
        this.leaps.pop();
        this.mark(after);
        return;
      }
      case "IfStatement": {
        const elseLoc = this.loc();
        const after = node.alternate ? this.loc() : elseLoc;
        this.jumpUnless(this.explodeExpression(node.test), elseLoc);
        this.explodeStatement(node.consequent);
        if (node.alternate) {
          this.jump(after);
          this.mark(elseLoc);
          this.explodeStatement(node.alternate);
        }
        this.mark(after);
        return;
      }
      case "WhileStatement": {
        const head = this.loc();
        const after = this.loc();
        this.mark(head);
        this.jumpUnless(this.explodeExpression(node.test), after);
        this.leaps.push({ kind: "loop", label, breakLoc: after, continueLoc: head });
        this.explodeStatement(node.body);
        this.leaps.pop();
        this.jump(head);
        this.mark(after);
        return;
      }
      case "DoWhileStatement": {
        const start = this.loc();
        const test = this.loc();
        const after = this.loc();
        this.mark(start);
        this.leaps.push({ kind: "loop", label, breakLoc: after, continueLoc: test });
        this.explodeStatement(node.body);
        this.leaps.pop();
        this.mark(test);
        this.jumpIf(this.explodeExpression(node.test), start);
        this.mark(after);
        return;
      }
      case "ForStatement": {
        const head = this.loc();
        const update = this.loc();
        const after = this.loc();
        if (node.init) {
          if (t.isVariableDeclaration(node.init)) this.explodeStatement(node.init);
          else this.explodeExpression(node.init, true);
        }
        this.mark(head);
        if (node.test) this.jumpUnless(this.explodeExpression(node.test), after);
        this.leaps.push({ kind: "loop", label, breakLoc: after, continueLoc: update });
        this.explodeStatement(node.body);
        this.leaps.pop();
        this.mark(update);
        if (node.update) this.explodeExpression(node.update, true);
        this.jump(head);
        this.mark(after);
        return;
      }
      case "ForOfStatement":
        this.explodeForOf(node, label);
        return;
      case "ForInStatement":
        this.explodeForIn(node, label);
        return;
      case "BreakStatement":
        for (const s of this.breakStatements(node.label?.name ?? null, node)) this.emit(s);
        return;
      case "ContinueStatement":
        for (const s of this.continueStatements(node.label?.name ?? null, node)) this.emit(s);
        return;
      case "ReturnStatement":
        this.emit(this.returnStatement(node.argument ? this.explodeExpression(node.argument) : t.unaryExpression("void", t.numericLiteral(0))));
        return;
      case "ThrowStatement":
        this.emit(t.throwStatement(this.explodeExpression(node.argument)));
        return;
      case "SwitchStatement":
        this.explodeSwitch(node);
        return;
      case "TryStatement":
        this.explodeTry(node);
        return;
      case "VariableDeclaration":
        // Only `var` declarations without an initialiser remain after the slots pass.
        throw this.error("internal: a variable declaration with yield was not rewritten", node);
      default:
        throw this.error(`yield inside a ${node.type} is not supported in a durable module`, node);
    }
  }

  private explodeSwitch(node: t.SwitchStatement): void {
    const discriminant = this.temp();
    this.emit(t.expressionStatement(t.assignmentExpression("=", discriminant, this.explodeExpression(node.discriminant))));
    const after = this.loc();
    const locs = node.cases.map(() => this.loc());
    let defaultLoc: Loc = after;
    node.cases.forEach((c, i) => {
      if (c.test === null || c.test === undefined) defaultLoc = locs[i]!;
      else this.jumpIf(t.binaryExpression("===", t.cloneNode(discriminant), this.explodeExpression(c.test)), locs[i]!);
    });
    this.jump(defaultLoc);
    this.leaps.push({ kind: "switch", breakLoc: after });
    node.cases.forEach((c, i) => {
      this.mark(locs[i]!);
      for (const statement of c.consequent) this.explodeStatement(statement);
    });
    this.leaps.pop();
    this.mark(after);
  }

  private explodeTry(node: t.TryStatement): void {
    const tryLoc = this.loc();
    const catchLoc = node.handler ? this.loc() : null;
    const finallyLoc = node.finalizer ? this.loc() : null;
    const after = this.loc();
    const entry = this.tries.length;
    this.tries.push({ tryLoc, catchLoc, finallyLoc, afterLoc: after });
    const next = finallyLoc ?? after;
    this.mark(tryLoc);
    if (finallyLoc) this.leaps.push({ kind: "finally" });
    this.explodeStatement(node.block);
    this.jump(next);
    if (node.handler && catchLoc) {
      this.mark(catchLoc);
      // The slots pass made the catch parameter a plain identifier that the
      // handler's first statement copies to the locals; here it is the value resumed with.
      // (Statements put before the copy — environments, hoisted functions — never yield.)
      const param = node.handler.param;
      let body = node.handler.body.body.slice();
      if (t.isIdentifier(param)) body = body.map((statement) => substitute(statement, param.name, this.names.v));
      else if (param) throw this.error("internal: a catch pattern was not rewritten", node);
      for (const statement of body) this.explodeStatement(statement);
      this.jump(next);
    }
    if (finallyLoc) this.leaps.pop();
    if (node.finalizer && finallyLoc) {
      this.mark(finallyLoc);
      this.explodeStatement(node.finalizer);
      this.emit(t.returnStatement(this.rt("endFinally", [this.frame(), t.numericLiteral(entry)])));
    }
    this.mark(after);
  }

  /**
   * for (x of xs) with yields in the body: the iterator lives on `$l`, and a try
   * entry whose finally closes it guards the body (so break, return and throw close it).
   */
  private explodeForOf(node: t.ForOfStatement, label: string | null): void {
    if (node.await) throw this.error("for await inside a generator is not supported in a durable module", node);
    const iterator = this.temp();
    const step = this.temp();
    const head = this.loc();
    const tryLoc = this.loc();
    const next = this.loc();
    const brk = this.loc();
    const finallyLoc = this.loc();
    const after = this.loc();
    this.emit(t.expressionStatement(t.assignmentExpression("=", iterator, this.rt("iterate", [this.explodeExpression(node.right)]))));
    this.mark(head);
    this.emit(t.expressionStatement(t.assignmentExpression("=", step, this.rt("step", [t.cloneNode(iterator)]))));
    this.emit(
      t.ifStatement(
        t.memberExpression(t.cloneNode(step), t.identifier("done")),
        t.blockStatement([t.expressionStatement(t.assignmentExpression("=", t.cloneNode(iterator), t.unaryExpression("void", t.numericLiteral(0)))), ...this.jumpStatements(after)]),
      ),
    );
    const value = t.memberExpression(t.cloneNode(step), t.identifier("value"));
    const entry = this.tries.length;
    this.tries.push({ tryLoc, catchLoc: null, finallyLoc, afterLoc: after });
    this.mark(tryLoc);
    this.assignTo(node.left as t.LVal, value);
    this.leaps.push({ kind: "finally" });
    this.leaps.push({ kind: "loop", label, breakLoc: brk, continueLoc: next });
    this.explodeStatement(node.body);
    this.leaps.pop();
    this.leaps.pop();
    this.mark(next);
    this.jump(head);
    this.mark(brk);
    this.emit(t.returnStatement(this.rt("abrupt", [this.frame(), t.numericLiteral(BREAK), after.ref()])));
    this.mark(finallyLoc);
    this.emit(t.expressionStatement(this.rt("closeIterator", [this.frame(), t.numericLiteral(entry), t.cloneNode(iterator)])));
    this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(iterator), t.unaryExpression("void", t.numericLiteral(0)))));
    this.emit(t.returnStatement(this.rt("endFinally", [this.frame(), t.numericLiteral(entry)])));
    this.mark(after);
  }

  /** for (k in o) with yields in the body: the keys are taken at the start; deleted ones are skipped. */
  private explodeForIn(node: t.ForInStatement, label: string | null): void {
    const keys = this.temp();
    const index = this.temp();
    const object = this.temp();
    const head = this.loc();
    const next = this.loc();
    const after = this.loc();
    this.emit(t.expressionStatement(t.assignmentExpression("=", object, this.explodeExpression(node.right))));
    this.emit(t.expressionStatement(t.assignmentExpression("=", keys, this.rt("keys", [t.cloneNode(object)]))));
    this.emit(t.expressionStatement(t.assignmentExpression("=", index, t.numericLiteral(0))));
    this.mark(head);
    const key = this.temp();
    this.jumpUnless(t.binaryExpression("<", t.cloneNode(index), t.memberExpression(t.cloneNode(keys), t.identifier("length"))), after);
    this.emit(t.expressionStatement(t.assignmentExpression("=", key, t.memberExpression(t.cloneNode(keys), t.updateExpression("++", t.cloneNode(index)), true))));
    this.jumpUnless(this.rt("hasKey", [t.cloneNode(object), t.cloneNode(key)]), head);
    this.assignTo(node.left as t.LVal, t.cloneNode(key));
    this.leaps.push({ kind: "loop", label, breakLoc: after, continueLoc: next });
    this.explodeStatement(node.body);
    this.leaps.pop();
    this.mark(next);
    this.jump(head);
    this.mark(after);
  }

  /**
   * A statement without yield, emitted as written except for the jumps that
   * leave it: `return`, and `break`/`continue` to a loop outside it.
   */
  private verbatim(node: t.Statement): t.Statement {
    // Rewritten in place: nodes made by earlier passes keep their identity (marks.ts).
    const copy = node;
    const inner: Array<{ label: string | null; loop: boolean; isSwitch: boolean }> = [];
    let nativeFinally = 0;
    const visit = (n: t.Node, replace: (s: t.Statement) => void): void => {
      if (t.isFunction(n) || t.isClass(n)) {
        if (t.isClass(n)) {
          // computed keys and extends are evaluated here; method bodies are their own functions
          if (n.superClass) visitChild(n, "superClass");
          for (const member of n.body.body) if ("computed" in member && member.computed && "key" in member) visitChild(member, "key");
        }
        return;
      }
      if (t.isReturnStatement(n)) {
        const argument = n.argument ?? t.unaryExpression("void", t.numericLiteral(0));
        replace(nativeFinally > 0 ? this.deferredLeap(RETURN, argument) : this.returnStatement(argument));
        return;
      }
      if (t.isBreakStatement(n) || t.isContinueStatement(n)) {
        const label = n.label?.name ?? null;
        const isContinue = t.isContinueStatement(n);
        for (let i = inner.length - 1; i >= 0; i--) {
          const scope = inner[i]!;
          if (label === null ? scope.loop || (scope.isSwitch && !isContinue) : scope.label === label) return; // stays inside
        }
        if (nativeFinally > 0) {
          const index = this.findLeap(label, isContinue, n);
          const leap = this.leaps[index] as { breakLoc: Loc; continueLoc?: Loc };
          replace(this.deferredLeap(BREAK, (isContinue ? leap.continueLoc! : leap.breakLoc).ref()));
          return;
        }
        replace(t.blockStatement(isContinue ? this.continueStatements(label, n) : this.breakStatements(label, n)));
        return;
      }
      if (t.isTryStatement(n) && n.finalizer) {
        // A jump out of a native try/finally must not move the frame before the
        // native finally has run (it may jump or throw itself): it is deferred
        // to the driver, which applies the last one.
        nativeFinally++;
        for (const key of t.VISITOR_KEYS[n.type] ?? []) visitChild(n, key);
        nativeFinally--;
        return;
      }
      if (t.isLabeledStatement(n)) {
        inner.push({ label: n.label.name, loop: false, isSwitch: false });
        visitChild(n, "body");
        inner.pop();
        return;
      }
      const pushed = t.isLoop(n) || t.isSwitchStatement(n);
      if (pushed) inner.push({ label: null, loop: t.isLoop(n), isSwitch: t.isSwitchStatement(n) });
      for (const key of t.VISITOR_KEYS[n.type] ?? []) visitChild(n, key);
      if (pushed) inner.pop();
    };
    const visitChild = (n: t.Node, key: string): void => {
      const record = n as unknown as Record<string, unknown>;
      const value = record[key];
      if (Array.isArray(value)) {
        value.forEach((child, i) => {
          if (child && typeof child === "object" && "type" in child) visit(child as t.Node, (s) => (value[i] = s));
        });
      } else if (value && typeof value === "object" && "type" in value) {
        visit(value as t.Node, (s) => (record[key] = s));
      }
    };
    let result: t.Statement = copy;
    visit(copy, (s) => (result = s));
    return result;
  }

  // ── Expressions ────────────────────────────────────────────────────────────

  /**
   * Emits what evaluating `node` needs before its value is known, and returns an
   * expression for the value (valid in the current case). With `ignore`, the
   * value is dropped.
   */
  private explodeExpression(node: t.Expression, ignore = false): t.Expression {
    if (!this.hasYield(node)) {
      if (ignore) this.emit(t.expressionStatement(node));
      return node;
    }
    const result = this.explodeInner(node);
    if (ignore) {
      if (!isPure(result)) this.emit(t.expressionStatement(result));
    }
    return result;
  }

  /**
   * Keeps the value of `node` (evaluated now) for use after a later yield in the
   * same expression: in a temporary unless it cannot change.
   */
  private keep(node: t.Expression): t.Expression {
    if (isConstant(node) || this.isEnvironment(node)) return node;
    const temp = this.temp();
    this.emit(t.expressionStatement(t.assignmentExpression("=", temp, node)));
    return t.cloneNode(temp);
  }

  /** The locals object or a block environment on it: they are never replaced while in use. */
  private isEnvironment(node: t.Expression): boolean {
    if (t.isIdentifier(node)) return node.name === this.names.l;
    return t.isMemberExpression(node) && !node.computed && t.isIdentifier(node.object, { name: this.names.l }) && t.isIdentifier(node.property) && node.property.name.startsWith("$e");
  }

  /** Explodes operands in order; each one before a later operand with a yield is kept. */
  private explodeOperands(nodes: Array<t.Expression>): t.Expression[] {
    let lastYield = -1;
    nodes.forEach((n, i) => {
      if (this.hasYield(n)) lastYield = i;
    });
    return nodes.map((n, i) => {
      const value = this.explodeExpression(n);
      return i < lastYield ? this.keep(value) : value;
    });
  }

  private explodeInner(node: t.Expression): t.Expression {
    switch (node.type) {
      case "YieldExpression":
        return this.explodeYield(node);
      case "SequenceExpression": {
        const last = node.expressions.length - 1;
        node.expressions.forEach((e, i) => {
          if (i < last) this.explodeExpression(e, true);
        });
        return this.explodeExpression(node.expressions[last]!);
      }
      case "AssignmentExpression":
        return this.explodeAssignment(node);
      case "BinaryExpression": {
        const [left, right] = this.explodeOperands([node.left as t.Expression, node.right]);
        return t.binaryExpression(node.operator, left!, right!);
      }
      case "LogicalExpression": {
        const result = this.temp();
        const after = this.loc();
        this.emit(t.expressionStatement(t.assignmentExpression("=", result, this.explodeExpression(node.left))));
        const r = t.cloneNode(result);
        const test = node.operator === "&&" ? t.unaryExpression("!", r) : node.operator === "||" ? r : t.binaryExpression("!=", r, t.nullLiteral());
        this.jumpIf(test, after);
        this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(result), this.explodeExpression(node.right))));
        this.mark(after);
        return t.cloneNode(result);
      }
      case "ConditionalExpression": {
        const result = this.temp();
        const elseLoc = this.loc();
        const after = this.loc();
        this.jumpUnless(this.explodeExpression(node.test), elseLoc);
        this.emit(t.expressionStatement(t.assignmentExpression("=", result, this.explodeExpression(node.consequent))));
        this.jump(after);
        this.mark(elseLoc);
        this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(result), this.explodeExpression(node.alternate))));
        this.mark(after);
        return t.cloneNode(result);
      }
      case "UnaryExpression":
        if (node.operator === "delete" && t.isMemberExpression(node.argument)) {
          const target = this.explodeMember(node.argument);
          return t.unaryExpression("delete", target);
        }
        return t.unaryExpression(node.operator, this.explodeExpression(node.argument));
      case "UpdateExpression": {
        if (!t.isMemberExpression(node.argument)) throw this.error("yield in this update expression is not supported", node);
        return t.updateExpression(node.operator, this.explodeMember(node.argument), node.prefix);
      }
      case "MemberExpression":
        return this.explodeMember(node);
      case "CallExpression":
      case "NewExpression":
        return this.explodeCall(node);
      case "ArrayExpression": {
        // In order; an element before a later yield is kept, a spread one as [...x].
        let lastYield = -1;
        node.elements.forEach((e, i) => {
          if (e !== null && this.hasYield(e)) lastYield = i;
        });
        return t.arrayExpression(
          node.elements.map((e, i) => {
            if (e === null) return null;
            if (t.isSpreadElement(e)) {
              const argument = this.explodeExpression(e.argument);
              return t.spreadElement(i < lastYield ? this.keep(t.arrayExpression([t.spreadElement(argument)])) : argument);
            }
            const value = this.explodeExpression(e);
            return i < lastYield ? this.keep(value) : value;
          }),
        );
      }
      case "ObjectExpression":
        return this.explodeObject(node);
      case "TemplateLiteral": {
        const expressions = this.explodeOperands(node.expressions as t.Expression[]);
        return t.templateLiteral(node.quasis, expressions);
      }
      case "ClassExpression":
      case "TaggedTemplateExpression":
      case "OptionalCallExpression":
      case "OptionalMemberExpression":
      default:
        throw this.error(`yield inside a ${node.type} is not supported in a durable module`, node);
    }
  }

  private explodeYield(node: t.YieldExpression): t.Expression {
    const argument = node.argument ? this.explodeExpression(node.argument) : t.unaryExpression("void", t.numericLiteral(0));
    const resume = this.loc();
    this.emit(this.setIp(resume.ref()));
    if (node.delegate) {
      this.emit(t.expressionStatement(t.assignmentExpression("=", t.memberExpression(this.frame(), t.identifier("d")), argument)));
      this.emit(t.returnStatement(t.memberExpression(t.identifier(this.names.rt), t.identifier("STAR"))));
    } else {
      this.emit(t.returnStatement(argument));
    }
    this.mark(resume);
    const start = node.loc?.start;
    if (start !== undefined) this.points.push(resume.value, start.line, start.column + 1);
    // Valid in this case only: an operand evaluated before a later yield is kept in a temporary.
    return t.identifier(this.names.v);
  }

  private explodeMember(node: t.MemberExpression): t.MemberExpression {
    if (!node.computed) return t.memberExpression(this.explodeExpression(node.object as t.Expression), node.property);
    const [object, property] = this.explodeOperands([node.object as t.Expression, node.property as t.Expression]);
    return t.memberExpression(object!, property!, true);
  }

  private explodeAssignment(node: t.AssignmentExpression): t.Expression {
    const left = node.left;
    if (node.operator === "=" && (t.isObjectPattern(left) || t.isArrayPattern(left)) && this.hasYield(left)) {
      const value = this.keep(this.explodeExpression(node.right));
      this.destructure(left, value);
      return value;
    }
    let target: t.MemberExpression | t.Identifier;
    if (t.isMemberExpression(left)) {
      // The target's object and key are evaluated before the value.
      const object = this.keep(this.explodeExpression(left.object as t.Expression));
      const property = left.computed ? this.keep(this.explodeExpression(left.property as t.Expression)) : left.property;
      target = t.memberExpression(object, property as t.Expression, left.computed);
    } else if (t.isIdentifier(left)) {
      target = left;
    } else {
      if (node.operator === "=" && !this.hasYield(left)) return t.assignmentExpression("=", left, this.explodeExpression(node.right));
      throw this.error("yield inside this assignment target is not supported in a durable module", node);
    }
    if (node.operator === "=") return t.assignmentExpression("=", target, this.explodeExpression(node.right));
    const operator = node.operator.slice(0, -1);
    if (operator === "&&" || operator === "||" || operator === "??") {
      // a ||= b: b (and the assignment) only when a is falsy.
      const result = this.temp();
      const after = this.loc();
      this.emit(t.expressionStatement(t.assignmentExpression("=", result, t.cloneNode(target))));
      const r = t.cloneNode(result);
      const skip = operator === "&&" ? t.unaryExpression("!", r) : operator === "||" ? r : t.binaryExpression("!=", r, t.nullLiteral());
      this.jumpIf(skip, after);
      this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(result), t.assignmentExpression("=", t.cloneNode(target), this.explodeExpression(node.right)))));
      this.mark(after);
      return t.cloneNode(result);
    }
    // Compound: the old value is read before the right side runs.
    const old = this.keep(t.cloneNode(target));
    return t.assignmentExpression("=", t.cloneNode(target), t.binaryExpression(operator as t.BinaryExpression["operator"], old, this.explodeExpression(node.right)));
  }

  /**
   * Destructuring whose defaults or computed keys yield, taken apart into steps.
   * An array pattern reads the elements it needs (and closes the iterator) before
   * its defaults run: the one departure from the spec, observable only by an
   * iterator with side effects whose pattern's defaults yield.
   */
  private destructure(pattern: t.LVal, value: t.Expression): void {
    if (t.isAssignmentPattern(pattern)) {
      // A member target is evaluated before the value and its default.
      let left = pattern.left as t.LVal;
      if (t.isMemberExpression(left)) left = this.keptTarget(left);
      const v = this.keep(value);
      const after = this.loc();
      const current = this.temp();
      this.emit(t.expressionStatement(t.assignmentExpression("=", current, v)));
      this.jumpIf(t.binaryExpression("!==", t.cloneNode(current), t.identifier("undefined")), after);
      this.emit(t.expressionStatement(t.assignmentExpression("=", t.cloneNode(current), this.explodeExpression(pattern.right))));
      this.mark(after);
      this.destructure(left, t.cloneNode(current));
      return;
    }
    if (t.isObjectPattern(pattern)) {
      const object = this.keep(value);
      this.emit(t.expressionStatement(this.rt("coercible", [t.cloneNode(object)])));
      const seen: t.Expression[] = [];
      for (const property of pattern.properties) {
        if (t.isRestElement(property)) {
          this.destructure(property.argument, this.rt("rest", [t.cloneNode(object), t.arrayExpression(seen.map((k) => t.cloneNode(k)))]));
          continue;
        }
        const key = property.computed ? this.keep(this.explodeExpression(property.key as t.Expression)) : t.isIdentifier(property.key) ? t.stringLiteral(property.key.name) : (property.key as t.Expression);
        seen.push(key);
        this.destructure(property.value as t.LVal, this.keep(t.memberExpression(t.cloneNode(object), t.cloneNode(key), true)));
      }
      return;
    }
    if (t.isArrayPattern(pattern)) {
      const rest = pattern.elements.length > 0 && t.isRestElement(pattern.elements[pattern.elements.length - 1]);
      const count = rest ? pattern.elements.length - 1 : pattern.elements.length;
      const items = this.keep(this.rt("take", [value, t.numericLiteral(count), t.booleanLiteral(rest)]));
      pattern.elements.forEach((element, i) => {
        if (element === null) return;
        const target = t.isRestElement(element) ? element.argument : element;
        this.destructure(target as t.LVal, this.keep(t.memberExpression(t.cloneNode(items), t.numericLiteral(i), true)));
      });
      return;
    }
    if (t.isMemberExpression(pattern) && this.hasYield(pattern)) pattern = this.keptTarget(pattern);
    this.emit(t.expressionStatement(t.assignmentExpression("=", pattern, value)));
  }

  /** A member target's object and key, evaluated now and kept (they may yield). */
  private keptTarget(target: t.MemberExpression): t.MemberExpression {
    const object = this.keep(this.explodeExpression(target.object as t.Expression));
    const property = target.computed ? this.keep(this.explodeExpression(target.property as t.Expression)) : target.property;
    return t.memberExpression(object, property as t.Expression, target.computed);
  }

  /** `target = value` where the target may be a pattern that yields. */
  private assignTo(target: t.LVal, value: t.Expression): void {
    if ((t.isObjectPattern(target) || t.isArrayPattern(target) || t.isMemberExpression(target)) && this.hasYield(target)) this.destructure(target, value);
    else this.emit(t.expressionStatement(t.assignmentExpression("=", target, value)));
  }

  private explodeCall(node: t.CallExpression | t.NewExpression): t.Expression {
    const callee = node.callee;
    if (t.isSuper(callee) || t.isV8IntrinsicIdentifier(callee)) throw this.error("yield in this call is not supported", node);
    const args = node.arguments.map((a) => {
      if (t.isSpreadElement(a)) return t.arrayExpression([a]);
      if (t.isArgumentPlaceholder(a) || t.isJSXNamespacedName(a)) throw this.error("unsupported argument", node);
      return a as t.Expression;
    });
    const anyArgYield = args.some((a) => this.hasYield(a));
    const spreadArgs = (values: t.Expression[]): Array<t.Expression | t.SpreadElement> =>
      values.map((value, i) => (t.isSpreadElement(node.arguments[i]) ? t.spreadElement(value) : value));
    // A callee without a yield of its own is read after the arguments (not before,
    // as the spec has it), like a method: a function kept across a yield would have
    // to be saved by a snapshot, and built-in ones (Error, Math.max) are not registered.
    const keepCallee = (e: t.Expression): t.Expression => (anyArgYield && this.hasYield(e) ? this.keep(this.explodeExpression(e)) : this.explodeExpression(e));
    if (t.isNewExpression(node)) {
      const fn = keepCallee(callee as t.Expression);
      return t.newExpression(fn, spreadArgs(this.explodeOperands(args)));
    }
    if (t.isMemberExpression(callee)) {
      // o.m(args): `this` is o, and o.m is read before the arguments run.
      const object = this.keep(this.explodeExpression(callee.object as t.Expression));
      const property = callee.computed ? this.keep(this.explodeExpression(callee.property as t.Expression)) : callee.property;
      if (!anyArgYield) return t.callExpression(t.memberExpression(object, property as t.Expression, callee.computed), node.arguments);
      // The method is read after the arguments (not before, as the spec has it):
      // a method kept across a yield would have to be saved in a snapshot, and
      // methods (built-in or of registered classes) are not registered functions.
      return t.callExpression(t.memberExpression(object, property as t.Expression, callee.computed), spreadArgs(this.explodeOperands(args)));
    }
    const fn = keepCallee(callee as t.Expression);
    // A plain call: `this` is undefined (strict mode), so (0, fn)(...) keeps it so for a kept member value.
    const target = t.isMemberExpression(fn) ? t.sequenceExpression([t.numericLiteral(0), fn]) : fn;
    return t.callExpression(target, spreadArgs(this.explodeOperands(args)));
  }

  private explodeObject(node: t.ObjectExpression): t.Expression {
    // Evaluate keys and values in order into temporaries, then build the object.
    let lastYield = -1;
    node.properties.forEach((p, i) => {
      if (this.hasYield(p)) lastYield = i;
    });
    const properties = node.properties.map((p, i) => {
      const keepIt = (e: t.Expression): t.Expression => (i < lastYield ? this.keep(e) : e);
      if (t.isSpreadElement(p)) return t.spreadElement(keepIt(this.explodeExpression(p.argument)));
      if (t.isObjectMethod(p)) {
        if (p.computed && this.hasYield(p.key)) {
          const key = this.keep(this.explodeExpression(p.key as t.Expression));
          return t.objectMethod(p.kind, key, p.params, p.body, true, p.generator, p.async);
        }
        return p;
      }
      // A computed key is kept when a yield comes after it (in its value or a later property).
      const keyBeforeYield = i < lastYield || (i === lastYield && this.hasYield(p.value));
      const key = p.computed ? (keyBeforeYield ? this.keep(this.explodeExpression(p.key as t.Expression)) : this.explodeExpression(p.key as t.Expression)) : p.key;
      const value = keepIt(this.explodeExpression(p.value as t.Expression));
      return t.objectProperty(key, value, p.computed, false);
    });
    return t.objectExpression(properties);
  }
}

/** `statement` with identifier `from` renamed to `to`, in place (nodes keep their identity: marks.ts). */
function substitute(statement: t.Statement, from: string, to: string): t.Statement {
  t.traverseFast(statement, (n) => {
    if (t.isIdentifier(n) && n.name === from) n.name = to;
  });
  return statement;
}

function endsAbruptly(statements: t.Statement[]): boolean {
  const last = statements[statements.length - 1];
  return last !== undefined && (t.isReturnStatement(last) || t.isContinueStatement(last) || t.isThrowStatement(last) || t.isBreakStatement(last));
}

/** Values that cannot change between their evaluation and a later use. */
function isConstant(node: t.Expression): boolean {
  if (t.isLiteral(node)) return !t.isTemplateLiteral(node);
  return t.isIdentifier(node, { name: "undefined" }) || (t.isUnaryExpression(node, { operator: "void" }) && t.isLiteral(node.argument));
}

function isPure(node: t.Expression): boolean {
  return isConstant(node) || t.isIdentifier(node) || (t.isMemberExpression(node) && t.isIdentifier(node.object) && !node.computed && node.object.name.startsWith("$l"));
}
