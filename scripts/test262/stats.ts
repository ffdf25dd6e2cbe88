// `tsx scripts/test262/stats.ts [test262 dir]`: a Markdown breakdown of the corpus, to
// decide what the durable compiler must cover first.
//
// It counts tests per directory, flags, negative phases, features and includes, and
// which syntax the generator functions use: each test is parsed with Babel (as a
// script, as test262 writes it) and every construct is counted once per test. The
// "runnable" column is what `npm run test262` executes and must get right: not
// noStrict/raw, not negative.

import { parseSync, traverse, type NodePath, type types as t } from "@babel/core";
import { loadCorpus, type TestFile } from "./corpus.js";

const root = process.argv[2] ?? process.env.TEST262_DIR ?? "/work/shared/test262";
const corpus = loadCorpus(root);

const isSloppy = (test: TestFile) => test.meta.flags.has("noStrict") || test.meta.flags.has("raw");
const runnable = (test: TestFile) => !isSloppy(test) && test.meta.negative === undefined;

/** Counts keys, most frequent first. */
class Tally {
  private readonly counts = new Map<string, number>();
  add(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  entries(): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }
}

const out: string[] = [];
const table = (head: string[], rows: (string | number)[][]) => {
  out.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
  for (const row of rows) out.push(`| ${row.join(" | ")} |`);
  out.push("");
};

// ---- files
out.push(`## Corpus (${corpus.length} tests)`, "");
const dirs = new Tally();
const dirsRunnable = new Tally();
for (const test of corpus) {
  const dir = test.path.slice(0, test.path.lastIndexOf("/"));
  dirs.add(dir);
  if (runnable(test)) dirsRunnable.add(dir);
}
table(
  ["directory", "tests", "runnable"],
  dirs.entries().map(([dir, n]) => [dir, n, dirsRunnable.get(dir)]),
);

// ---- flags, negatives, async
const flags = new Tally();
const negatives = new Tally();
for (const test of corpus) {
  for (const flag of test.meta.flags) flags.add(flag);
  if (test.meta.flags.size === 0) flags.add("(none)");
  const negative = test.meta.negative;
  if (negative) negatives.add(`${negative.phase} ${negative.type}${isSloppy(test) ? " (noStrict: excluded)" : ""}`);
}
out.push("## Flags", "");
table(["flag", "tests"], flags.entries());
out.push(`Excluded by flag (noStrict or raw): ${corpus.filter(isSloppy).length}.`, "");
out.push("## Negative tests", "");
table(["phase and type", "tests"], negatives.entries());
out.push(`Async tests (flag async, $DONE): ${flags.get("async")}.`, "");

// ---- features and includes
const features = new Tally();
const includes = new Tally();
for (const test of corpus) {
  for (const feature of test.meta.features) features.add(feature);
  for (const name of test.meta.includes) includes.add(name);
}
out.push("## `features:` tags", "");
table(["feature", "tests"], features.entries());
out.push("## Harness includes (besides assert.js and sta.js, which every test gets)", "");
table(["include", "tests"], includes.entries());

// ---- syntax
const syntaxAll = new Tally();
const syntaxRunnable = new Tally();
const syntaxNegative = new Tally();
const unparsed: string[] = [];
for (const test of corpus) {
  const found = constructsOf(test);
  if (found === undefined) {
    unparsed.push(test.path);
    continue;
  }
  for (const construct of found) {
    syntaxAll.add(construct);
    if (runnable(test)) syntaxRunnable.add(construct);
    if (test.meta.negative) syntaxNegative.add(construct);
  }
}
out.push("## Syntax in generator functions (tests using each construct at least once)", "");
table(
  ["construct", "all", "runnable", "negative"],
  syntaxAll.entries().map(([construct, n]) => [construct, n, syntaxRunnable.get(construct), syntaxNegative.get(construct)]),
);
const WATCHED = [
  "yield in computed key",
  "yield in a loop body or head",
  "yield in switch",
  "yield in labeled statement",
  "labeled break/continue",
  "return through finally",
  "break/continue through finally",
  "let/const in a loop of a generator",
  "generator: class method",
  "generator: class method (static)",
  "generator: class method (computed key)",
  "generator: object method",
  "super in generator method",
  "new.target / import.meta in generator",
  "destructuring declaration in generator body",
  "async generator (out of scope)",
];
const absent = WATCHED.filter((construct) => syntaxAll.get(construct) === 0);
if (absent.length > 0) out.push(`In no test of this corpus: ${absent.join("; ")}.`, "");
const unparsedRunnable = unparsed.filter((path) => runnable(corpus.find((test) => test.path === path)!));
out.push(
  `Not counted: ${unparsed.length} tests Babel cannot parse even with error recovery ` +
    `(${unparsedRunnable.length} of them runnable${unparsedRunnable.length > 0 ? `: ${unparsedRunnable.join(", ")}` : ""}).`,
  "",
);
console.log(out.join("\n"));

/** The constructs `test` uses inside generator functions, or undefined if it does not parse. */
function constructsOf(test: TestFile): Set<string> | undefined {
  let ast;
  try {
    ast = parseSync(test.source, {
      sourceType: test.meta.flags.has("module") ? "module" : "script",
      configFile: false,
      babelrc: false,
      parserOpts: { errorRecovery: true, allowReturnOutsideFunction: false },
    });
  } catch {
    return undefined;
  }
  if (!ast) return undefined;
  const found = new Set<string>();
  const generatorOf = (path: NodePath): NodePath<t.Function> | null => {
    const fn = path.getFunctionParent();
    return fn && fn.node.generator && !fn.node.async ? fn : null;
  };
  /** The statements and blocks between `path` and its function, innermost first. */
  const within = (path: NodePath, fn: NodePath): NodePath[] => {
    const chain: NodePath[] = [];
    for (let p = path.parentPath; p && p !== fn; p = p.parentPath) chain.push(p);
    return chain;
  };

  traverse(ast, {
    Function(path) {
      const node = path.node;
      if (!node.generator) return;
      if (node.async) {
        found.add("async generator (out of scope)");
        return;
      }
      if (path.isFunctionDeclaration()) found.add("generator: declaration");
      else if (path.isFunctionExpression()) found.add("generator: expression");
      else if (path.isObjectMethod()) found.add(`generator: object method${path.node.computed ? " (computed key)" : ""}`);
      else if (path.isClassMethod()) {
        found.add(`generator: class method${path.node.static ? " (static)" : ""}`);
        if (path.node.computed) found.add("generator: class method (computed key)");
      } else if (path.isClassPrivateMethod()) found.add("generator: class method");
      for (const param of node.params) {
        if (param.type === "RestElement") found.add("params: rest");
        const inner = param.type === "AssignmentPattern" ? param.left : param.type === "RestElement" ? param.argument : param;
        if (param.type === "AssignmentPattern") found.add("params: default value");
        if (inner.type === "ArrayPattern") found.add("params: array destructuring");
        if (inner.type === "ObjectPattern") found.add("params: object destructuring");
      }
      if (path.findParent((p) => p.isWithStatement())) found.add("generator inside with (sloppy)");
    },

    YieldExpression(path) {
      const fn = generatorOf(path);
      if (!fn) return;
      found.add(path.node.delegate ? "yield*" : "yield (without *)");
      found.add("yield or yield*");
      const chain = within(path, fn);
      if (chain.some((p) => p.isAssignmentPattern() || (p.listKey === "params" && p.parentPath === fn))) {
        found.add("yield in parameters (early error)");
      }
      for (const p of chain) {
        if (p.parentPath?.isTryStatement()) {
          const key = p.key as string;
          const hasFinally = p.parentPath.node.finalizer != null;
          if (key === "block") found.add(hasFinally ? "yield in try { } of try/finally" : "yield in try { } of try/catch");
          if (key === "handler") found.add("yield in catch { }");
          if (key === "finalizer") found.add("yield in finally { }");
          found.add("yield anywhere in a try statement");
        }
        if (p.isLoop()) found.add("yield in a loop body or head");
        if (p.isSwitchStatement()) found.add("yield in switch");
        if (p.isLabeledStatement()) found.add("yield in labeled statement");
        if (p.isWithStatement()) found.add("yield in with (sloppy)");
        if ((p.isObjectProperty() || p.isObjectMethod() || p.isClassMethod() || p.isClassProperty()) && p.node.computed) {
          const key = (p.node as { key: t.Node }).key;
          if (path.findParent((q) => q.node === key)) found.add("yield in computed key");
        }
        if (p.isSpreadElement()) found.add("yield in spread");
        if (p.isTemplateLiteral() || p.isTaggedTemplateExpression()) found.add("yield in template literal");
      }
      // Where the yield's value goes: a statement of its own, or an operand the
      // compiler must spill across the suspension.
      const parent = path.parentPath;
      if (parent.isExpressionStatement()) found.add("yield as a statement");
      else if (parent.isVariableDeclarator() || (parent.isAssignmentExpression() && parent.parentPath.isExpressionStatement())) {
        found.add("yield as initializer / assignment value");
      } else if (parent.isReturnStatement()) found.add("return yield");
      else if (!parent.isYieldExpression()) found.add("yield nested in an expression");
      else found.add("yield of yield");
      if (parent.isCallExpression() || parent.isNewExpression()) found.add("yield as a call argument");
      if (parent.isBinaryExpression() || parent.isLogicalExpression()) found.add("yield as a binary operand");
    },

    Identifier(path) {
      // A binding, reference or label named yield; not a property name such as o.yield.
      // (Each check on its own: a failed type guard would narrow `path` to never.)
      const referenced = path.isReferencedIdentifier();
      const binding = path.isBindingIdentifier();
      const label = path.parentPath.isLabeledStatement();
      const isName = referenced || binding || label;
      if (path.node.name === "yield" && isName) found.add("yield as identifier (sloppy)");
      if (path.node.name === "arguments" && generatorOf(path)) found.add("arguments in generator body");
    },

    ThisExpression(path) {
      if (generatorOf(path)) found.add("this in generator body");
    },

    ReturnStatement(path) {
      const fn = generatorOf(path);
      if (!fn) return;
      if (within(path, fn).some((p) => p.key === "block" && p.parentPath?.isTryStatement() && p.parentPath.node.finalizer)) {
        found.add("return through finally");
      }
    },

    "BreakStatement|ContinueStatement"(path) {
      const fn = generatorOf(path);
      if (!fn) return;
      if ((path.node as t.BreakStatement).label) found.add("labeled break/continue");
      if (within(path, fn).some((p) => p.key === "block" && p.parentPath?.isTryStatement() && p.parentPath.node.finalizer)) {
        found.add("break/continue through finally");
      }
    },

    "ArrowFunctionExpression|FunctionExpression|FunctionDeclaration|ObjectMethod|ClassMethod"(path) {
      const outer = path.parentPath && generatorOf(path.parentPath);
      if (outer && !(path.node as t.Function).generator) found.add("closure inside generator body");
      if (outer && (path.node as t.Function).generator) found.add("generator nested in generator");
    },

    VariableDeclaration(path) {
      if (path.node.kind !== "var" && generatorOf(path) && path.findParent((p) => p.isLoop())) {
        found.add("let/const in a loop of a generator");
      }
      if (generatorOf(path) && path.node.declarations.some((d) => d.id.type !== "Identifier")) {
        found.add("destructuring declaration in generator body");
      }
    },

    MetaProperty(path) {
      if (generatorOf(path)) found.add("new.target / import.meta in generator");
    },

    Super(path) {
      if (generatorOf(path)) found.add("super in generator method");
    },

    CallExpression(path) {
      if (path.node.callee.type === "Identifier" && path.node.callee.name === "eval" && generatorOf(path)) {
        found.add("direct eval in generator body");
      }
    },
  });
  return found;
}
