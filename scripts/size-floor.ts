/**
 * `npx tsx scripts/size-floor.ts`: how small the program of the bundle-size test
 * (run, spawn, sleep, channel and select; test/package-size.test.ts) could get, and
 * what it would cost. An experiment, not a build: it bundles the program without
 * minifying, cuts parts out of the bundle's text, and prints min+gzip sizes
 * (esbuild, gzip -9, as the test measures) for each stage, each as is, without
 * the text of any message, with the internal property names mangled, and both:
 *
 * 1. the bundle as it is;
 * 2. without what the program never reaches unless it imports more
 *    (`supervisor`'s failure reports, `ensure` cleanups, `onCancel` handlers,
 *    detached tasks);
 * 3. also without what such a program does reach, that earlier issues asked for:
 *    errors' coroutine stacks, deadlock reports, the samples that keep the hot
 *    classes' hidden classes across a full GC;
 * 4. also without public members of channels and tasks (async iteration, `each`,
 *    `stats()`, `onJoin`), the stack-overflow and bad-yield messages, the
 *    MessageChannel fallback and the clock check: what an API whose every
 *    method can be left out would save.
 *
 * The cut bundles are not meant to run: a working build of any of them would
 * need some glue where a cut is, and could mangle no more names, so each figure
 * is a floor. The cuts are anchored to the bundle's text: when the code changes
 * under one, the script stops and names it, and the anchor is to be updated by
 * hand.
 */
import { parseSync, traverse, type types } from "@babel/core";
import babelGenerator from "@babel/generator";
import { build, transformSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));

const program = `import { run, spawn, sleep, channel, select } from "./src/index.ts";\nexport { run, spawn, sleep, channel, select };`;

/** One change to the bundle's text: cut from `from` up to (not including) `to`, or replace `from` with `to`. */
type Edit = { cut: string; to: string } | { replace: string; with: string };

const stages: { name: string; edits: Edit[] }[] = [
  { name: "as it is", edits: [] },
  {
    name: "- parts reached only through other imports",
    edits: [
      { cut: "function reportSupervised", to: "// src/core/runtime.ts" },
      { replace: "if ((task.flags & SUPERVISOR) !== 0) unobservedFailures(task);", with: "" },
      { replace: "if ((parent.flags & SUPERVISOR) !== 0) reportSupervised(parent, task);\n      else fail(parent, failure(task));", with: "fail(parent, failure(task));" },
      { cut: "  const handlers = task.extra?.onCancel;", to: "  if (task === currentTask()) return;" },
      { cut: "    const cleanup = task.extra?.cleanups?.pop();", to: "  }\n  finish(task);\n}" },
      { replace: "  for (; ; ) {\n    const last = lastAwaitedChild(task);", with: "  {\n    const last = lastAwaitedChild(task);" },
      { replace: "      if (isDetached(task)) return;\n", with: "" },
    ],
  },
  {
    name: "- coroutine stacks, deadlock reports, kept samples",
    edits: [
      { cut: "// src/core/instances.ts", to: "// src/core/frames.ts" },
      { replace: "if (!keptCore) keepCore();", with: "" },
      { cut: "var keptCore = false;", to: "function startRoot" },
      { cut: "if (!keptSpawn) {", to: "  }\n  begin(parent) {" },
      { cut: "if (!keptSleep) {", to: "  }\n  begin(task) {" },
      { cut: "if (!keptSelect) {", to: "  }\n  get what() {" },
      { replace: "if (!keptChannel) keepChannel();", with: "" },
      { replace: 'if (watching) made(this, "Channel");', with: "" },
      { cut: "var keptChannel = false;", to: "function channel(" },
      { cut: "function newSampleTask", to: "function createTask" },
      { cut: "var capture = null;", to: "function frameDepth" },
      { cut: "var thrown = /* @__PURE__ */ new WeakMap();", to: "// src/core/muted.ts" },
      { replace: "captureThrow(task, value);", with: "" },
      { replace: "addCoroutineStack(error);", with: "" },
      { replace: "recordSite(task);", with: "" },
      { replace: "captureAsyncContext(runtime);", with: "" },
      { cut: "var liveRuntimes", to: "// src/validate.ts" },
      { cut: "  /** After host callbacks settle", to: "  fireDue() {" },
      { cut: "  onIdle = () =>", to: "};\nfunction isStackOverflow" },
      { replace: "liveRuntimes.add(this);\n    watchHostExit();", with: "" },
      { cut: "  /** The root ended: nothing is left", to: "  drain = () => {" },
      { replace: "if (!this.kicked) this.scheduleIdle();", with: "" },
      { replace: "    if (deferredChecks.size > 0) recheckDeferred(this);\n  };", with: "  };" },
      { replace: "if (--this.external === 0 && !this.draining && !this.kicked) this.scheduleIdle();", with: "--this.external;" },
      { replace: "if (task.runtime.root === task) task.runtime.ended();", with: "" },
      { cut: "var DeadlockError", to: "// src/core/clause.ts" },
    ],
  },
  {
    name: "- public members a method-free API could leave out",
    edits: [
      { cut: "// src/interop.ts", to: "// src/core/deque.ts" },
      { cut: "// src/channel/iterator.ts", to: "// src/channel/channel.ts" },
      { cut: "  each(body) {", to: "  stats() {" },
      { cut: "  stats() {", to: "};\nfunction* receivingEach" },
      { cut: "function* receivingEach", to: "function checkCapacity" },
      { cut: "var JoinClause = class", to: "// src/core/lifecycle.ts" },
      { cut: "  onJoin(handler) {", to: "  /** @internal Opens the body" },
      { replace: "value = isStackOverflow(error) ? depthError(task, error) : error;", with: "value = error;" },
      { cut: "function isStackOverflow", to: "function step(task)" },
      { replace: "kind = THROW;\n        value = badInstruction(task, instruction);", with: "kind = THROW;\n        value = new TypeError();" },
      { replace: "kind = THROW;\n    value = badInstruction(task, instruction);", with: "kind = THROW;\n    value = new TypeError();" },
      { cut: "var macrotask = ", to: "var messagePort;" },
      { replace: "var messagePort;", with: "var macrotask = (callback) => setTimeout(callback, 0);\nvar messagePort;" },
      { cut: "function checkClock", to: "// src/async-context.ts" },
      { replace: 'if (options !== void 0 && "clock" in options) checkClock("run(body, options)", options.clock);', with: "" },
    ],
  },
];

function apply(code: string, edit: Edit, stage: string): string {
  const anchor = "cut" in edit ? edit.cut : edit.replace;
  const count = code.split(anchor).length - 1;
  if (count !== 1) throw new Error(`stage "${stage}": the anchor ${JSON.stringify(anchor)} occurs ${count} times in the bundle (the code changed: update the anchor)`);
  const start = code.indexOf(anchor);
  if ("replace" in edit) return code.slice(0, start) + edit.with + code.slice(start + anchor.length);
  const end = code.indexOf(edit.to, start + anchor.length);
  if (end < 0) throw new Error(`stage "${stage}": ${JSON.stringify(edit.to)} does not follow ${JSON.stringify(anchor)} (update the anchor)`);
  return code.slice(0, start) + code.slice(end);
}

/** Names a mangler must keep: builtins' members (found by reflection), protocol names, and Strand's public members. */
function reservedNames(): Set<string> {
  const names = new Set<string>();
  const builtins: object[] = [Object.prototype, Array.prototype, Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype, Promise.prototype, Error.prototype, Function.prototype, String.prototype, Symbol, Object, Array, Promise, Number, Math, performance, WeakRef.prototype, FinalizationRegistry.prototype, new MessageChannel(), new MessageChannel().port1, import.meta, new URL("file:///")];
  for (const builtin of builtins) {
    for (let o: object | null = builtin; o !== null; o = Object.getPrototypeOf(o)) for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  const protocol = "next throw return done value then iterator asyncIterator dispose asyncDispose message stack cause errors on process";
  const strand = `send receive receiveCatching trySend tryReceive onSend onReceive onReceiveCatching close cancel isClosedForSend isClosedForReceive each stats capacity
    ok reason id name state parent children path onJoin priority describe attempt enqueue selectRole handler now setAlarm clearAlarm idle random clock
    onUndelivered onOverflow task blocked waitsOn sent received buffered waitingSenders waitingReceivers cancelledWaiters dropped undelivered closed cancelled`;
  for (const name of `${protocol} ${strand}`.split(/\s+/)) if (name !== "") names.add(name);
  return names;
}

/** The property names the bundle uses that are not reserved: what a build could mangle. */
function internalNames(code: string, reserved: Set<string>): RegExp {
  const ast = parseSync(code, { sourceType: "module", babelrc: false, configFile: false })!;
  const found = new Set<string>();
  const note = (key: types.Node, computed: boolean) => {
    if (!computed && key.type === "Identifier" && !reserved.has(key.name)) found.add(key.name);
  };
  traverse(ast, {
    MemberExpression: (path) => note(path.node.property, path.node.computed),
    ClassProperty: (path) => note(path.node.key, path.node.computed),
    ClassMethod: (path) => note(path.node.key, path.node.computed),
    ObjectProperty: (path) => note(path.node.key, path.node.computed),
  });
  return new RegExp(`^(${[...found].join("|")})$`);
}

// @babel/generator is CommonJS: its default export arrives as the module object under some loaders.
type Print = (ast: types.Node) => { code: string };
const print: Print = typeof babelGenerator === "function" ? (babelGenerator as unknown as Print) : (babelGenerator as unknown as { default: Print }).default;

/** The bundle with the text of every message (string and template literals over 8 characters) emptied. */
function withoutMessages(code: string): string {
  const ast = parseSync(code, { sourceType: "module", babelrc: false, configFile: false })!;
  traverse(ast, {
    StringLiteral: (path) => {
      if (path.node.value.length > 8) path.node.value = "";
    },
    TemplateLiteral: (path) => {
      for (const quasi of path.node.quasis) quasi.value = { raw: "", cooked: "" };
    },
  });
  return print(ast).code;
}

const gzipped = (code: string, mangleProps?: RegExp) =>
  gzipSync(transformSync(code, { minify: true, format: "esm", target: "es2022", ...(mangleProps ? { mangleProps } : {}) }).code, { level: 9 }).length;

const bundled = await build({
  stdin: { contents: program, resolveDir: root, sourcefile: "entry.ts", loader: "ts" },
  bundle: true,
  write: false,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "silent",
});
let code = bundled.outputFiles[0]!.text;
const reserved = reservedNames();
console.log("run, spawn, sleep, channel and select, bytes min+gzip (the goal: 8,192)\n");
console.log(`${"".padEnd(52)}${"as is".padStart(8)}${"no text".padStart(10)}${"mangled".padStart(10)}${"both".padStart(8)}`);
for (const stage of stages) {
  for (const edit of stage.edits) code = apply(code, edit, stage.name);
  const mangle = internalNames(code, reserved);
  const bare = withoutMessages(code);
  const sizes = [gzipped(code), gzipped(bare), gzipped(code, mangle), gzipped(bare, mangle)];
  console.log(`${stage.name.padEnd(52)}${String(sizes[0]).padStart(8)}${String(sizes[1]).padStart(10)}${String(sizes[2]).padStart(10)}${String(sizes[3]).padStart(8)}`);
}
