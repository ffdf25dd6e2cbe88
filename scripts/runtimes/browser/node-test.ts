/**
 * The subset of `node:test` the portable suite uses, for a browser page (the
 * bundle aliases `node:test` here): describe/it/test with options (timeout,
 * skip, todo), their `.skip` and `.todo` forms, before/after/beforeEach/afterEach
 * hooks, and a test context with name, signal and diagnostic().
 *
 * Tests run as Node's runner runs them: one after another in the order they
 * were declared; a suite's before hooks run before its first test and its after
 * hooks after its last; each test runs the beforeEach hooks from the outermost
 * suite in and the afterEach hooks from the innermost out. A failing hook fails
 * the tests it was for. An uncaught error or unhandled rejection while a test
 * runs fails that test (Node fails the file).
 */

type TestFn = (context: TestContext, done: (error?: unknown) => void) => unknown;
type HookFn = () => unknown;

interface Options {
  readonly timeout?: number;
  readonly skip?: boolean | string;
  readonly todo?: boolean | string;
}

interface Suite {
  readonly kind: "suite";
  readonly name: string;
  readonly parent: Suite | null;
  readonly children: (Suite | Test)[];
  readonly before: HookFn[];
  readonly after: HookFn[];
  readonly beforeEach: HookFn[];
  readonly afterEach: HookFn[];
  readonly options: Options;
}

interface Test {
  readonly kind: "test";
  readonly name: string;
  readonly parent: Suite;
  readonly fn: TestFn | undefined;
  readonly options: Options;
}

/** What a test body gets as its first argument. */
export interface TestContext {
  readonly name: string;
  readonly fullName: string;
  readonly signal: AbortSignal;
  diagnostic(message: string): void;
}

/** One finished test, as the page reports it. */
export interface Outcome {
  readonly name: string;
  readonly status: "pass" | "fail" | "skip" | "todo";
  readonly error?: string;
  readonly ms: number;
}

const root: Suite = newSuite("", null, {});
let current: Suite = root;

function newSuite(name: string, parent: Suite | null, options: Options): Suite {
  return { kind: "suite", name, parent, children: [], before: [], after: [], beforeEach: [], afterEach: [], options };
}

/** Node's argument forms: (name?, options?, fn?). */
function parse<F>(args: unknown[]): { name: string; options: Options; fn: F | undefined } {
  let name = "<anonymous>";
  let options: Options = {};
  let fn: F | undefined;
  for (const arg of args) {
    if (typeof arg === "string") name = arg;
    else if (typeof arg === "function") fn = arg as F;
    else if (typeof arg === "object" && arg !== null) options = arg as Options;
  }
  if (name === "<anonymous>" && fn !== undefined && (fn as { name?: string }).name) name = (fn as { name: string }).name;
  return { name, options, fn };
}

function declareSuite(args: unknown[], extra: Options = {}): void {
  const { name, options, fn } = parse<() => unknown>(args);
  const suite = newSuite(name, current, { ...options, ...extra });
  current.children.push(suite);
  const outer = current;
  current = suite;
  try {
    const result = fn?.();
    if (result !== undefined && typeof (result as Promise<unknown>).then === "function") {
      throw new TypeError(`describe(${JSON.stringify(name)}): an async suite body is not supported in the browser harness`);
    }
  } finally {
    current = outer;
  }
}

function declareTest(args: unknown[], extra: Options = {}): void {
  const { name, options, fn } = parse<TestFn>(args);
  current.children.push({ kind: "test", name, parent: current, fn, options: { ...options, ...extra } });
}

export function describe(...args: unknown[]): void {
  declareSuite(args);
}
describe.skip = (...args: unknown[]): void => declareSuite(args, { skip: true });
describe.todo = (...args: unknown[]): void => declareSuite(args, { todo: true });

export function test(...args: unknown[]): void {
  declareTest(args);
}
test.skip = (...args: unknown[]): void => declareTest(args, { skip: true });
test.todo = (...args: unknown[]): void => declareTest(args, { todo: true });

export const it = test;
export const suite = describe;

export function before(fn: HookFn): void {
  current.before.push(fn);
}
export function after(fn: HookFn): void {
  current.after.push(fn);
}
export function beforeEach(fn: HookFn): void {
  current.beforeEach.push(fn);
}
export function afterEach(fn: HookFn): void {
  current.afterEach.push(fn);
}

export default test;

/** Declarations that follow go into a top-level suite named for the file (the bundle's entry calls this). */
export function file(path: string): void {
  const suite = newSuite(path, root, {});
  root.children.push(suite);
  current = suite;
}

// ── Running ───────────────────────────────────────────────────────────────────

let uncaught: unknown[] = [];
/** Tests not to run, by full name, each with why. */
let skipped: Readonly<Record<string, string>> = {};

function recordUncaught(error: unknown): void {
  uncaught.push(error);
}

function fullName(node: Suite | Test): string {
  const names: string[] = [];
  for (let n: Suite | Test | null = node; n !== null && n !== root; n = n.parent) names.unshift(n.name);
  return names.join(" > ");
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const stack = error.stack ?? "";
    const head = `${error.name}: ${error.message}`;
    return stack.includes(error.message) ? stack : `${head}\n${stack}`;
  }
  return String(error);
}

/** Calls fn, waiting for the promise or done callback it uses, with an optional time limit. */
async function call(fn: TestFn | HookFn, context: TestContext | undefined, timeout: number | undefined, abort: AbortController | undefined): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new Promise<void>((resolve, reject) => {
    const usesDone = context !== undefined && fn.length >= 2;
    const done = (error?: unknown) => (error === undefined || error === null ? resolve() : reject(error));
    try {
      const result = (fn as TestFn)(context!, done);
      if (usesDone) return;
      if (result !== undefined && result !== null && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(() => resolve(), reject);
      } else {
        resolve();
      }
    } catch (error) {
      reject(error);
    }
  });
  const limit =
    timeout === undefined || !Number.isFinite(timeout)
      ? body
      : Promise.race([
          body,
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => {
              abort?.abort();
              reject(new Error(`test timed out after ${timeout}ms`));
            }, timeout);
          }),
        ]);
  try {
    await limit;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** A later macrotask (a message: nested setTimeout(0) is clamped to 4 ms). */
function nextTask(): Promise<void> {
  return new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function hooksOf(suite: Suite, kind: "beforeEach" | "afterEach"): HookFn[] {
  const chain: Suite[] = [];
  for (let s: Suite | null = suite; s !== null; s = s.parent) chain.unshift(s);
  const hooks = chain.flatMap((s) => s[kind]);
  return kind === "afterEach" ? chain.reverse().flatMap((s) => s.afterEach) : hooks;
}

async function runTest(node: Test, report: (outcome: Outcome) => void): Promise<void> {
  const name = fullName(node);
  const started = performance.now();
  if (node.options.skip) return report({ name, status: "skip", ms: 0 });
  if (name in skipped) return report({ name, status: "skip", error: skipped[name], ms: 0 });
  const abort = new AbortController();
  const context: TestContext = {
    name: node.name,
    fullName: name,
    signal: abort.signal,
    diagnostic: (message) => console.log(`# ${name}: ${message}`),
  };
  uncaught = [];
  let failure: unknown;
  try {
    for (const hook of hooksOf(node.parent, "beforeEach")) await call(hook, undefined, undefined, undefined);
    if (node.fn !== undefined) await call(node.fn, context, node.options.timeout, abort);
  } catch (error) {
    failure = error;
  }
  for (const hook of hooksOf(node.parent, "afterEach")) {
    try {
      await call(hook, undefined, undefined, undefined);
    } catch (error) {
      failure ??= error;
    }
  }
  // Errors thrown from a later macrotask surface here, as they would fail Node's run.
  await nextTask();
  if (failure === undefined && uncaught.length > 0) failure = uncaught[0];
  const ms = performance.now() - started;
  if (node.options.todo) return report({ name, status: "todo", ms });
  report(failure === undefined ? { name, status: "pass", ms } : { name, status: "fail", error: describeError(failure), ms });
}

function tests(suite: Suite): Test[] {
  return suite.children.flatMap((child) => (child.kind === "test" ? [child] : tests(child)));
}

async function runSuite(suite: Suite, report: (outcome: Outcome) => void): Promise<void> {
  if (suite.options.skip || suite.options.todo) {
    for (const t of tests(suite)) report({ name: fullName(t), status: suite.options.skip ? "skip" : "todo", ms: 0 });
    return;
  }
  try {
    for (const hook of suite.before) await call(hook, undefined, undefined, undefined);
  } catch (error) {
    const message = `a before hook failed: ${describeError(error)}`;
    for (const t of tests(suite)) report({ name: fullName(t), status: "fail", error: message, ms: 0 });
    return;
  }
  for (const child of suite.children) {
    if (child.kind === "test") await runTest(child, report);
    else await runSuite(child, report);
  }
  for (const hook of suite.after) {
    try {
      await call(hook, undefined, undefined, undefined);
    } catch (error) {
      report({ name: `${fullName(suite)} (after hook)`, status: "fail", error: describeError(error), ms: 0 });
    }
  }
}

/** Runs every declared test but `skip` (full names, each with why); `report` hears each outcome as it comes. */
export async function runAll(report: (outcome: Outcome) => void, skip: Readonly<Record<string, string>> = {}): Promise<void> {
  skipped = skip;
  globalThis.addEventListener?.("error", (event) => recordUncaught((event as ErrorEvent).error ?? (event as ErrorEvent).message));
  globalThis.addEventListener?.("unhandledrejection", (event) => recordUncaught((event as PromiseRejectionEvent).reason));
  await runSuite(root, report);
}
