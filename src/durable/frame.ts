/**
 * Compiled coroutines: the run time of generator functions that the durable
 * compiler turned into state machines. A compiled generator keeps its whole
 * suspended state in plain data — a `Frame` per activation — so a snapshot can
 * save it and another process can resume it.
 *
 * The compiler (src/compiler/) turns `function* f(a) { body }` into a wrapper that
 * calls `start(info, this, locals)` and a *body function* `body(frame, locals, v)`:
 * a `switch` on `frame.ip` (the resume point) inside a labelled loop. The body runs
 * from `frame.ip` until it
 * - yields: sets `frame.ip` to the resume point and returns the yielded value;
 * - returns: sets `frame.ip = DONE` and returns the value;
 * - delegates (`yield* x`): sets `frame.ip` and `frame.d = x`, returns `STAR`;
 * - needs the run time to move it (a `return`/`break` through `finally`, the end
 *   of a `finally`): returns what `abrupt()`/`endFinally()` returned (`AGAIN`, or
 *   the return value with `frame.ip = DONE`);
 * - throws: the driver catches it and looks in the function's try table for the
 *   innermost handler of `frame.ip` (`dispatch()`).
 * `v` is the value the body resumes with: the value sent to `next()`, the result
 * of a `yield*`, or the caught exception at a `catch` block's first case.
 *
 * `yield*` of one compiled generator in another never nests native calls: the
 * delegate's frame is pushed on the delegating frame's stack (`caller` links) and
 * the driver runs the top frame; resuming costs the same at any depth.
 *
 * Invariants:
 * - `frame.ip` is the case the body is running (stored on every jump and before
 *   every fall-through into a new case), so a thrown exception is dispatched by
 *   the region it was thrown in. Regions (try, catch, finally) are unions of whole
 *   cases, numbered in source order.
 * - A frame is driven by exactly one generator object at a time: its own (the
 *   root of its stack) or, while delegated to, the root of the delegating stack.
 *
 * | frame state | next(v)                  | throw(e)                 | return(v)               |
 * |-------------|--------------------------|--------------------------|-------------------------|
 * | START       | run from the top         | DONE, throws e           | DONE, {v, done}         |
 * | SUSPENDED   | resume top frame with v  | dispatch e in top frame  | abrupt return in top    |
 * | RUNNING     | TypeError (re-entered)   | TypeError                | TypeError               |
 * | DELEGATED   | TypeError (driven by the generator that yield*-ed it)              |
 * | DONE        | {undefined, done}        | throws e                 | {v, done}               |
 */

import { iterate, iteratorClose } from "./iteration.js";
import { show } from "../validate.js";
import { keep } from "../core/keep.js";
import { UNWIND, THROW as UNWIND_THROW, RETURN as UNWIND_RETURN } from "../core/resume.js";
import { FRAME_STACK, noteCompiledThrow, type Frame as StackFrame } from "../core/frames.js";

/** `frame.ip` of a frame that has returned. */
export const DONE = -1;

/** Frame states. */
export const START = 0;
export const SUSPENDED = 1;
export const RUNNING = 2;
export const DELEGATED = 3;
export const FINISHED = 4;

/** Completion types pending through a `finally` block. */
export const NORMAL = 0;
export const RETURN = 1;
export const THROW = 2;
export const BREAK = 3; // break and continue: both jump to a location

/** Results a body returns to the driver that are not yielded values. */
export const STAR: unique symbol = Symbol("strand.durable.yield*") as never;
export const AGAIN: unique symbol = Symbol("strand.durable.again") as never;
export const LEAP: unique symbol = Symbol("strand.durable.leap") as never;

/**
 * A try statement's regions, as case numbers of the body's switch: try block
 * `[tryLoc, catchLoc ?? finallyLoc)`, catch block `[catchLoc, finallyLoc ?? afterLoc)`,
 * finally block `[finallyLoc, afterLoc)`; -1 when a clause is absent.
 */
export type TryEntry = readonly [tryLoc: number, catchLoc: number, finallyLoc: number, afterLoc: number];

/** What the compiler knows of one generator function: made once per function, at module level. */
export class FunctionInfo {
  /** The prototype of the generator objects this function returns. */
  readonly proto: object;
  /** A sample of its generator objects is kept (core/keep.ts): made at its first call. */
  kept = false;

  constructor(
    /** Stable id: module path relative to its package root, `#`, the lexical path. */
    readonly id: string,
    /** Hash of the function's normalized code (its version). */
    readonly hash: string,
    /** The function's name as written, for stack traces. */
    readonly name: string,
    /** Try statements, innermost last among overlapping ones (source order). */
    readonly tries: readonly TryEntry[],
    /**
     * Where its resume points are in the source, `[point, line, column, ...]`
     * with points ascending (the `yield` each follows): what `where` reads.
     * Metadata of the code: a snapshot never holds it, so moving a function
     * in its file changes no snapshot (its version hash ignores positions).
     */
    readonly points: readonly number[] = [],
  ) {
    this.proto = Object.create(GeneratorPrototype) as object;
  }

  /**
   * `file:line:column` of the `yield` a frame suspended at resume point `ip`
   * waits at, in the original source (the file as the function's id names it:
   * relative to its package root); undefined for a point the table does not
   * have (a frame not started, or running).
   */
  where(ip: number): string | undefined {
    const points = this.points;
    let low = 0;
    let high = points.length / 3 - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const point = points[mid * 3]!;
      if (point === ip) return `${moduleOf(this.id)}:${points[mid * 3 + 1]}:${points[mid * 3 + 2]}`;
      if (point < ip) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }
}

/** The module path of a function id (`module path#lexical path`). */
function moduleOf(id: string): string {
  const at = id.indexOf("#");
  return at < 0 ? id : id.slice(0, at);
}

/** One activation of a compiled generator function: plain data. */
export type Body = (frame: Frame, locals: any, v: unknown) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export class Frame {
  info: FunctionInfo;
  /** The compiled body: the function's module-level body, or a closure for one nested in a function. */
  body: Body;
  /** Resume point: a case of the body's switch; DONE once returned. */
  ip: number;
  /** The locals live across yields (and the environment closures share). */
  l: object;
  /** START, SUSPENDED, RUNNING, DELEGATED, FINISHED (of this frame's own generator object). */
  st: number;
  /** The frame that delegates to this one with `yield*`, when it is on a stack. */
  caller: Frame | null;
  /** On a stack's root frame: the frame running or suspended at the top. */
  top: Frame;
  /** While delegating: the operand of `yield*`, then the iterator it gives (when not compiled). */
  d: unknown;
  /** The delegate iterator's `next` method, read once as the spec says. */
  dn: unknown;
  /** Completions pending through `finally`, by try entry (allocated on first use). */
  ct: number[] | null;
  cv: unknown[] | null;
  /**
   * This frame's `yield*` received a return(): when its delegate finishes, the
   * return goes on here. Within one resumption only, as ECMAScript has it —
   * unless the run loop resumes an unwinding task (`UNWIND`), where it lasts
   * until the delegate finishes, so cancellation unwinds through a helper whose
   * `finally` suspends.
   */
  rp: boolean;
  /** On a stack's root frame: some frame of the stack has `rp` set. */
  pr: boolean;
  /** A jump deferred out of a native try/finally (`leap()`): its type and value, applied by the driver. */
  lt: number;
  lv: unknown;

  constructor(info: FunctionInfo, body: Body, locals: object) {
    this.info = info;
    this.body = body;
    this.ip = 0;
    this.l = locals;
    this.st = START;
    this.caller = null;
    this.top = this;
    this.d = undefined;
    this.dn = undefined;
    this.ct = null;
    this.cv = null;
    this.rp = false;
    this.pr = false;
    this.lt = NORMAL;
    this.lv = undefined;
  }
}

/**
 * Why the stack of a decoded root frame cannot be resumed, or null when it can.
 * Frames are saved field by field: a restore checks that each field has its
 * type and that the frames form one chain from the top to the root (bytes with
 * a valid checksum may still have been written by other code, or forged).
 */
export function unsoundStack(root: Frame): string | null {
  const seen = new Set<Frame>();
  let frame: unknown = root.top;
  for (;;) {
    if (!(frame instanceof Frame)) return "a frame of its stack is missing";
    if (seen.has(frame)) return "its frames form a cycle";
    seen.add(frame);
    const why = unsoundFrame(frame, frame === root);
    if (why !== null) return `a frame of ${frame.info instanceof FunctionInfo ? frame.info.id : "an unknown function"} ${why}`;
    if (frame === root) return root.caller === null ? null : "the root frame has a caller";
    frame = frame.caller;
  }
}

function unsoundFrame(frame: Frame, isRoot: boolean): string | null {
  if (!(frame.info instanceof FunctionInfo) || typeof frame.body !== "function") return "has no function";
  if (!Number.isSafeInteger(frame.ip) || frame.ip < DONE) return "has no resume point";
  if (typeof frame.l !== "object" || frame.l === null) return "has no locals";
  if (frame.st !== (isRoot ? SUSPENDED : DELEGATED)) return "is not suspended";
  if (frame.dn !== undefined && (typeof frame.dn !== "function" || typeof frame.d !== "object" || frame.d === null)) return "delegates to nothing";
  if ((frame.ct !== null || frame.cv !== null) && (!Array.isArray(frame.ct) || !Array.isArray(frame.cv) || !frame.ct.every(Number.isSafeInteger))) return "has malformed pending completions";
  if (typeof frame.rp !== "boolean" || typeof frame.pr !== "boolean" || !Number.isSafeInteger(frame.lt)) return "has malformed flags";
  return null;
}

/** The key of a compiled generator object's frame. A registered symbol: snapshots save it. */
export const FRAME: unique symbol = Symbol.for("strand.durable.frame") as never;

interface CompiledGenerator {
  [FRAME]: Frame;
}

/** Creates the generator object of one call: what the compiled wrapper returns. */
export function start(info: FunctionInfo, body: Body, locals: object, self?: { prototype: unknown }): Generator {
  // OrdinaryCreateFromConstructor: the function's prototype as it is now.
  let proto = info.proto;
  if (self !== undefined && self.prototype !== proto) {
    const current = self.prototype;
    proto = typeof current === "object" && current !== null ? current : GeneratorPrototype;
  }
  const generator = Object.create(proto) as CompiledGenerator;
  generator[FRAME] = new Frame(info, body, locals);
  if (!info.kept) keepSample(info, proto);
  return generator as unknown as Generator;
}

/**
 * Keeps one generator object of the function, and so the hidden classes of
 * its generator objects and of frames, alive (core/keep.ts): once every call of
 * it has ended, a full GC would otherwise deoptimize the driver. The sample's
 * frame holds the function's metadata only: no body closure, no locals of a call.
 */
function keepSample(info: FunctionInfo, proto: object): void {
  info.kept = true;
  const sample = Object.create(proto) as CompiledGenerator;
  sample[FRAME] = new Frame(info, sampleBody, {});
  keep(sample);
}

const sampleBody: Body = () => undefined;

const NEXT = 0;
const MODE_THROW = 1;
const MODE_RETURN = 2;

function frameOf(generator: unknown, method: string): Frame {
  const frame = typeof generator === "object" && generator !== null ? (generator as Partial<CompiledGenerator>)[FRAME] : undefined;
  if (!(frame instanceof Frame)) throw new TypeError(`Generator.prototype.${method} called on an object that is not a compiled generator`);
  return frame;
}

function result(value: unknown, done: boolean): IteratorResult<unknown> {
  return { value, done } as IteratorResult<unknown>;
}

/**
 * Runs a compiled generator until it yields, returns or throws. `received` and
 * `value` say how it resumes: next(value), throw(value) or return(value).
 */
function resume(root: Frame, received: number, value: unknown, unwinding = false): IteratorResult<unknown> {
  switch (root.st) {
    case RUNNING:
      throw new TypeError("Generator is already running");
    case DELEGATED:
      throw new TypeError(`Generator ${root.info.name} is being driven by yield* in another generator; resume that one`);
    case FINISHED:
      if (received === MODE_THROW) throw value;
      return result(received === MODE_RETURN ? value : undefined, true);
    case START:
      if (received !== NEXT) {
        root.st = FINISHED;
        root.ip = DONE;
        if (received === MODE_THROW) throw value;
        return result(value, true);
      }
  }
  root.st = RUNNING;
  return drive(root, root.top, received, value, unwinding, APPLY);
}

/** Where drive() enters its loop: apply the resumption, run the body with `value`, or take `value` as the body's result. */
const APPLY = 0;
const RUN = 1;
const RAN = 2;

/** The driver's loop over the frames of `root`'s stack; `frame` is the top one. */
function drive(root: Frame, frame: Frame, mode: number, value: unknown, unwinding: boolean, entry: number): IteratorResult<unknown> {
  frames: for (;;) {
    let run = true;
    if (entry === APPLY) {
      // 1. Resume `frame` by `mode`: through its delegate, then by its try table.
      if (mode === MODE_RETURN && frame.caller !== null && !frame.caller.rp) {
        // Every yield* below this frame received the return. (A frame with rp set
        // has it set on every frame below: the walk stops there, so a return
        // through n frames costs O(n), not O(n²).)
        for (let below: Frame | null = frame.caller; below !== null && !below.rp; below = below.caller) below.rp = true;
        root.pr = true;
      }
      if (frame.dn !== undefined) {
        try {
          const inner = delegateStep(frame, mode, value);
          if (inner !== undefined) {
            if (mode === MODE_RETURN) {
              frame.rp = true; // the delegate's return() suspended
              root.pr = true;
            }
            return suspend(root, frame, inner, unwinding);
          }
          mode = delegateMode;
          value = delegateValue;
        } catch (error) {
          // The delegate's protocol threw: the exception arises at the yield*.
          endDelegate(frame);
          mode = MODE_THROW;
          value = error;
        }
      }
      if (mode === MODE_THROW) {
        if (!dispatch(frame, value)) {
          // Uncaught here: the frame ends and its caller gets the exception.
          const caller = endByThrow(root, frame, value);
          if (caller === null) throw value;
          frame = caller;
          frame.rp = false;
          continue frames;
        }
      } else if (mode === MODE_RETURN) {
        const after = abrupt(frame, RETURN, value);
        if (after !== AGAIN) {
          run = false;
          value = after;
        }
      }
    } else if (entry === RUN) entry = APPLY;
    // 2. Run its body until it stops.
    while (run) {
      try {
        if (entry === RAN) entry = APPLY;
        else value = frame.body(frame, frame.l, value);
      } catch (error) {
        if (dispatch(frame, error)) {
          value = error;
          continue;
        }
        const caller = endByThrow(root, frame, error);
        if (caller === null) throw error;
        frame = caller;
        frame.rp = false;
        mode = MODE_THROW;
        value = error;
        continue frames;
      }
      if (value === AGAIN) {
        value = undefined;
        continue;
      }
      if (value === LEAP) {
        // A jump out of a native try/finally, applied now that its finally has run.
        const type = frame.lt;
        const target = frame.lv;
        frame.lt = NORMAL;
        frame.lv = undefined;
        value = abrupt(frame, type, target);
        if (value === AGAIN) {
          value = undefined;
          continue;
        }
        break; // a return with no finally left: the frame returned `value`
      }
      if (value === STAR) {
        const operand = frame.d;
        frame.d = undefined;
        const inner = compiledFrameOf(operand);
        if (inner !== null && inner.st === START) {
          // Compiled in compiled: push its frame on this stack.
          inner.st = DELEGATED;
          inner.caller = frame;
          frame = inner;
        } else {
          try {
            beginDelegate(frame, operand);
          } catch (error) {
            mode = MODE_THROW;
            value = error;
            continue frames;
          }
        }
        mode = NEXT;
        value = undefined;
        continue frames;
      }
      if (frame.ip !== DONE) return suspend(root, frame, result(value, false), unwinding);
      break;
    }
    entry = APPLY;
    // 3. The frame returned `value`: pop it, or finish.
    frame.st = FINISHED;
    const caller = frame.caller;
    if (caller === null) {
      root.top = root;
      return result(value, true);
    }
    frame.caller = null;
    frame = caller;
    // A yield* whose delegate finished goes on as it was resumed: a return()
    // that reached the end returns from the delegating frame too.
    mode = frame.rp ? MODE_RETURN : NEXT;
    frame.rp = false;
  }
}

/**
 * The fast path of next() ran the top frame's body once and it did not simply
 * yield: go on as the driver would have after that run.
 */
function resumed(root: Frame, frame: Frame, value: unknown): IteratorResult<unknown> {
  if (frame === root && frame.ip === DONE && value !== STAR && value !== AGAIN && value !== LEAP) {
    frame.st = FINISHED;
    return result(value, true);
  }
  return drive(root, frame, NEXT, value, false, RAN);
}

/** The fast path's body threw: dispatch as the driver does. */
function rethrown(root: Frame, frame: Frame, error: unknown): IteratorResult<unknown> {
  if (dispatch(frame, error)) return drive(root, frame, NEXT, error, false, RUN);
  const caller = endByThrow(root, frame, error);
  if (caller === null) throw error;
  caller.rp = false;
  return drive(root, caller, MODE_THROW, error, false, APPLY);
}

/** A resumption that is not the run loop's unwinding ends: the returns its yield*s received are forgotten (ECMAScript). */
function forgetReturns(root: Frame, top: Frame): void {
  for (let frame: Frame | null = top; frame !== null; frame = frame.caller) frame.rp = false;
  root.pr = false;
}

/** A frame ends by `error`, which it did not catch: returns its caller (null at the root, which is done). */
function endByThrow(root: Frame, frame: Frame, error: unknown): Frame | null {
  frame.ip = DONE;
  frame.st = FINISHED;
  const caller = frame.caller;
  if (caller === null) {
    root.top = root;
    return null;
  }
  // The frames it leaves are popped on its way out: note them for the error's report (the failure path only).
  noteCompiledThrow(error, () => stackFrom(frame, true));
  frame.caller = null;
  return caller;
}

function suspend(root: Frame, top: Frame, yielded: IteratorResult<unknown>, unwinding: boolean): IteratorResult<unknown> {
  if (root.pr && !unwinding) forgetReturns(root, top);
  root.top = top;
  root.st = SUSPENDED;
  return yielded;
}

function compiledFrameOf(value: unknown): Frame | null {
  if (typeof value !== "object" || value === null) return null;
  const frame = (value as Partial<CompiledGenerator>)[FRAME];
  return frame instanceof Frame ? frame : null;
}

// What the last finished delegate left: how its frame goes on.
let delegateMode = NEXT;
let delegateValue: unknown = undefined;

/** GetIterator(operand) for `yield*`, keeping the iterator and its next method (read once, as the spec has it). */
function beginDelegate(frame: Frame, operand: unknown): void {
  const iterator = iterate(operand);
  frame.d = iterator;
  frame.dn = iterator.next;
}

/**
 * One step of `yield*` over a plain iterator (ECMAScript's yield* evaluation):
 * returns the inner result to hand out as is, or undefined when the delegation
 * is over (then `delegateMode`/`delegateValue` say how the frame resumes).
 */
function delegateStep(frame: Frame, mode: number, value: unknown): IteratorResult<unknown> | undefined {
  const iterator = frame.d as Iterator<unknown> & { [k: string]: unknown };
  let inner: unknown;
  if (mode === NEXT) {
    inner = (frame.dn as (v: unknown) => unknown).call(iterator, value);
  } else if (mode === MODE_THROW) {
    const thrower = iterator.throw as unknown;
    if (thrower == null) {
      endDelegate(frame);
      iteratorClose(iterator);
      throw new TypeError("The iterator does not provide a 'throw' method.");
    }
    if (typeof thrower !== "function") {
      endDelegate(frame);
      throw new TypeError("The iterator's 'throw' is not a function");
    }
    inner = thrower.call(iterator, value);
  } else {
    const returner = iterator.return as unknown;
    if (returner == null) {
      endDelegate(frame);
      delegateMode = MODE_RETURN;
      delegateValue = value;
      return undefined;
    }
    if (typeof returner !== "function") {
      endDelegate(frame);
      throw new TypeError("The iterator's 'return' is not a function");
    }
    inner = returner.call(iterator, value);
  }
  if (typeof inner !== "object" || inner === null) {
    endDelegate(frame);
    throw new TypeError(`Iterator result ${show(inner)} is not an object`);
  }
  if ((inner as IteratorResult<unknown>).done) {
    endDelegate(frame);
    delegateMode = mode === MODE_RETURN || frame.rp ? MODE_RETURN : NEXT;
    frame.rp = false;
    delegateValue = (inner as IteratorResult<unknown>).value;
    return undefined;
  }
  return inner as IteratorResult<unknown>;
}

function endDelegate(frame: Frame): void {
  frame.d = undefined;
  frame.dn = undefined;
}


/**
 * Routes an exception thrown at `frame.ip` to the innermost catch or finally
 * that covers it. True: the body goes on (at a catch with the exception as `v`,
 * or at a finally with the throw pending); false: nothing in this frame handles it.
 */
function dispatch(frame: Frame, error: unknown): boolean {
  const tries = frame.info.tries;
  const ip = frame.ip;
  for (let i = tries.length - 1; i >= 0; i--) {
    const [tryLoc, catchLoc, finallyLoc, afterLoc] = tries[i]!;
    if (ip < tryLoc || ip >= afterLoc) continue;
    if (catchLoc >= 0 && ip < catchLoc) {
      frame.ip = catchLoc;
      return true;
    }
    if (finallyLoc >= 0 && ip < finallyLoc) {
      setPending(frame, i, THROW, error);
      frame.ip = finallyLoc;
      return true;
    }
  }
  return false;
}

function setPending(frame: Frame, entry: number, type: number, value: unknown): void {
  if (frame.ct === null) {
    const n = frame.info.tries.length;
    frame.ct = new Array<number>(n).fill(NORMAL);
    frame.cv = new Array<unknown>(n).fill(undefined);
  }
  frame.ct[entry] = type;
  frame.cv![entry] = value;
}

/**
 * A `return value` (type RETURN) or a jump to location `value` (BREAK) from
 * `frame.ip` that must first run the `finally` blocks it leaves. Returns AGAIN
 * with `frame.ip` set where the body goes on, or — a return with no finally left —
 * the return value with `frame.ip = DONE`.
 */
export function abrupt(frame: Frame, type: number, value: unknown): unknown {
  const tries = frame.info.tries;
  const ip = frame.ip;
  for (let i = tries.length - 1; i >= 0; i--) {
    const [tryLoc, , finallyLoc, afterLoc] = tries[i]!;
    if (finallyLoc < 0 || ip < tryLoc || ip >= finallyLoc) continue;
    // A jump that stays inside this try statement does not leave it.
    if (type === BREAK && (value as number) >= tryLoc && (value as number) < afterLoc) continue;
    setPending(frame, i, type, value);
    frame.ip = finallyLoc;
    return AGAIN;
  }
  if (type === BREAK) {
    frame.ip = value as number;
    return AGAIN;
  }
  frame.ip = DONE;
  return value;
}

/** A jump out of a native try/finally in a compiled body, deferred: see `Frame.lt`. */
export function leap(frame: Frame, type: number, value: unknown): typeof LEAP {
  frame.lt = type;
  frame.lv = value;
  return LEAP;
}

/**
 * The end of try entry `entry`'s finally block: goes on with the completion
 * that entered it (a return, a throw, a jump), or after the try statement.
 */
export function endFinally(frame: Frame, entry: number): unknown {
  const type = frame.ct === null ? NORMAL : frame.ct[entry]!;
  if (type === NORMAL) {
    frame.ip = frame.info.tries[entry]![3];
    return AGAIN;
  }
  const value = frame.cv![entry];
  frame.ct![entry] = NORMAL;
  frame.cv![entry] = undefined;
  if (type === THROW) throw value;
  return abrupt(frame, type, value);
}

/** The frames from `top` down its callers, as stack traces show them (core/frames.ts). */
function stackFrom(top: Frame, topRunning: boolean): StackFrame[] {
  const frames: StackFrame[] = [];
  for (let frame: Frame | null = top; frame !== null; frame = frame.caller) {
    // Frames below the top wait at their yield*; a running top frame's ip is the case it runs, not a yield: no place to show.
    const at = frame === top && topRunning ? undefined : frame.info.where(frame.ip);
    frames.push({ function: undefined, location: undefined, name: frame.info.name, id: frame.info.id, at });
  }
  return frames;
}

/**
 * The prototype every compiled generator's `prototype` inherits from: the
 * iterator protocol over frames.
 */
const methods = {
  next(this: unknown, value?: unknown): IteratorResult<unknown> {
    const root = frameOf(this, "next");
    // The common cases without the driver's loop: the top frame resumed at a
    // plain yield, or at a `yield*` over an iterator that is not compiled (a
    // Strand operation: what a task's body waits on), and going on to yield or
    // to delegate to such an iterator again. Anything else — a return pending
    // through a yield*, a compiled delegate, a frame ending, a jump out of a
    // finally — goes the general way, from where the fast path got to.
    if (root.st !== SUSPENDED || root.pr) return resume(root, NEXT, value);
    const frame = root.top;
    root.st = RUNNING;
    for (;;) {
      if (frame.dn !== undefined) {
        // ECMAScript's yield*, resumed by next(value): step the delegate.
        try {
          const inner = (frame.dn as (v: unknown) => unknown).call(frame.d, value);
          if (typeof inner !== "object" || inner === null) throw new TypeError(`Iterator result ${show(inner)} is not an object`);
          if (!(inner as IteratorResult<unknown>).done) {
            root.st = SUSPENDED;
            return inner as IteratorResult<unknown>;
          }
          endDelegate(frame);
          value = (inner as IteratorResult<unknown>).value;
        } catch (error) {
          // The delegate's protocol threw: the exception arises at the yield*.
          endDelegate(frame);
          return drive(root, frame, MODE_THROW, error, false, APPLY);
        }
      }
      let yielded: unknown;
      try {
        yielded = frame.body(frame, frame.l, value);
      } catch (error) {
        return rethrown(root, frame, error);
      }
      if (yielded === STAR && frame.ip !== DONE && compiledFrameOf(frame.d) === null) {
        // A new yield* over a plain iterator: GetIterator, then step it above.
        const operand = frame.d;
        frame.d = undefined;
        try {
          beginDelegate(frame, operand);
        } catch (error) {
          return drive(root, frame, MODE_THROW, error, false, APPLY);
        }
        value = undefined;
        continue;
      }
      if (frame.ip === DONE || yielded === STAR || yielded === AGAIN || yielded === LEAP) return resumed(root, frame, yielded);
      root.st = SUSPENDED;
      return { value: yielded, done: false };
    }
  },
  return(this: unknown, value?: unknown): IteratorResult<unknown> {
    return resume(frameOf(this, "return"), MODE_RETURN, value);
  },
  throw(this: unknown, error?: unknown): IteratorResult<unknown> {
    return resume(frameOf(this, "throw"), MODE_THROW, error);
  },
  /** Its stack of frames, top first, for task dumps and error reports (core/frames.ts). */
  [FRAME_STACK](this: unknown): StackFrame[] {
    const root = frameOf(this, "next");
    return root.st === FINISHED ? [] : stackFrom(root.top, root.st === RUNNING);
  },
  /** The run loop resuming a task it is unwinding (see `Frame.rp`). */
  [UNWIND](this: unknown, kind: number, value: unknown): IteratorResult<unknown> {
    return resume(frameOf(this, "next"), kind === UNWIND_THROW ? MODE_THROW : kind === UNWIND_RETURN ? MODE_RETURN : NEXT, value, true);
  },
};

const nativeGeneratorFunction = Object.getPrototypeOf(function* () {}) as { constructor: unknown };

/**
 * The prototype every compiled generator's `prototype` inherits from: the
 * iterator protocol over frames, shaped like %GeneratorPrototype% (methods that
 * are not constructors, an own `Symbol.toStringTag` of "Generator").
 */
export const GeneratorPrototype: object = Object.create(Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())) as object);

/** What compiled generator functions inherit from, shaped like %GeneratorFunction.prototype%. */
export const GeneratorFunctionPrototype: object = Object.create(Function.prototype as object);

Object.defineProperty(GeneratorPrototype, UNWIND, { value: methods[UNWIND], writable: true, enumerable: false, configurable: true });
Object.defineProperty(GeneratorPrototype, FRAME_STACK, { value: methods[FRAME_STACK], writable: true, enumerable: false, configurable: true });
for (const name of ["next", "return", "throw"] as const) {
  Object.defineProperty(GeneratorPrototype, name, { value: methods[name], writable: true, enumerable: false, configurable: true });
}
Object.defineProperty(GeneratorPrototype, Symbol.toStringTag, { value: "Generator", writable: false, enumerable: false, configurable: true });
Object.defineProperty(GeneratorPrototype, "constructor", { value: GeneratorFunctionPrototype, writable: false, enumerable: false, configurable: true });
Object.defineProperty(GeneratorFunctionPrototype, "prototype", { value: GeneratorPrototype, writable: false, enumerable: false, configurable: true });
Object.defineProperty(GeneratorFunctionPrototype, "constructor", { value: nativeGeneratorFunction.constructor, writable: false, enumerable: false, configurable: true });
Object.defineProperty(GeneratorFunctionPrototype, Symbol.toStringTag, { value: "GeneratorFunction", writable: false, enumerable: false, configurable: true });

