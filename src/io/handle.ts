/**
 * Handles: an OS resource (a file descriptor, a socket, a listening server)
 * owned by the task that opened it and closed when that task ends, however
 * it ends.
 *
 * Each task that owns handles has one set of them and one cleanup
 * (core/task.ts `addCleanup`), registered when it opens its first handle: at
 * the task's end, after its `finally` blocks and children, every handle
 * still open starts closing, and the task waits until the OS has released
 * them all. A handle closed earlier leaves the set, so a long-lived task that
 * opens and closes many (an accept loop) keeps nothing for them.
 *
 * | state   | meaning                                                     |
 * |---------|-------------------------------------------------------------|
 * | OPEN    | in its owner's set; operations work                         |
 * | CLOSING | `release()` started; operations throw HandleClosed          |
 * | CLOSED  | the OS resource is gone (`closing` has settled)             |
 *
 * OPEN ─close()/dispose/owner ends─▶ CLOSING ─released─▶ CLOSED
 */
import { addCleanup, type TaskRecord } from "../core/task.js";
import { operation } from "../core/operation.js";
import type { Instruction } from "../core/instructions.js";
import { requireCurrent } from "../core/runtime.js";
import { awaitable, call } from "../interop.js";
import type { Operation } from "../types.js";
import { HandleClosed } from "./errors.js";

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

const owned = new WeakMap<TaskRecord<unknown>, Set<Handle>>();

/** An OS resource owned by a task: see the file header. */
export abstract class Handle implements Disposable {
  private status = OPEN;
  private owner: Set<Handle> | null = null;
  private closing: Promise<void> | null = null;
  private task: TaskRecord<unknown> | null = null;

  /** What the handle is, in words: `socket 127.0.0.1:5000 → 127.0.0.1:41234`, `file "/tmp/x"`. */
  abstract get description(): string;

  /** Starts releasing the OS resource; the promise settles when it is gone. Called once. */
  protected abstract release(): Promise<void>;

  /** True once `close()` started (or its owner ended). */
  get closed(): boolean {
    return this.status !== OPEN;
  }

  /** @internal Throws HandleClosed if the handle was closed: operations call it first. */
  checkOpen(what: string): void {
    if (this.status !== OPEN) throw new HandleClosed(`${what}: ${this.description} is closed`);
  }

  /** Starts closing without waiting (also what `using` does). Closing twice does nothing. */
  [Symbol.dispose](): void {
    this.startClose();
  }

  /** Closes the handle and waits until the OS resource is released. Closing twice does nothing more. */
  close(): Operation<void> {
    return operation(closing, this);
  }

  /**
   * @internal Starts closing; the promise settles once released (never
   * rejects). The handle stays in its owner's set until then, so an owner
   * that ends meanwhile waits for it too.
   */
  startClose(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.status = CLOSING;
    let released: Promise<void>;
    try {
      released = this.release();
    } catch {
      released = Promise.resolve();
    }
    const done = () => {
      this.status = CLOSED;
      this.owner?.delete(this);
      this.owner = null;
    };
    this.closing = released.then(done, done);
    return this.closing;
  }

  /** @internal `next` takes this handle's place in its owner's set, and this one closes; false (nothing done) if this one was closed already. */
  replaceWith(next: Handle): boolean {
    if (this.status !== OPEN) return false;
    const set = this.owner;
    next.owner = set;
    set?.add(next);
    void this.startClose();
    return true;
  }

  /** @internal Makes `task` the owner (leaving the previous one's set). */
  ownBy(task: TaskRecord<unknown>): void {
    if (this.status !== OPEN) return;
    if (task === this.task) return;
    this.task = task;
    this.owner?.delete(this);
    let set = owned.get(task);
    if (set === undefined) {
      const handles = (set = new Set());
      owned.set(task, handles);
      addCleanup(task, () => closeAll(handles));
    }
    set.add(this);
    this.owner = set;
  }
}

function* closing(handle: Handle): Iterator<Instruction, void, unknown> {
  const released = handle.startClose();
  yield* call(() => released);
}

/** The owner's cleanup: starts closing every handle it still has (or is closing), then waits for all. */
function closeAll(handles: Set<Handle>): unknown {
  if (handles.size === 0) return undefined;
  const released = [...handles].map((handle) => handle.startClose());
  return awaitable(Promise.all(released));
}

/** @internal Gives `handle` to the current task (`what` names the operation in the error outside a task). */
export function own<H extends Handle>(what: string, handle: H): H {
  handle.ownBy(requireCurrent(what));
  return handle;
}

/**
 * Makes the current task the owner of `handle`: it is closed when this task
 * ends instead of when the task that opened (or accepted) it ends. For a
 * connection handed to a task of its own.
 *
 * ```ts
 * const conn = yield* server.accept();
 * yield* spawn(function* () {
 *   yield* adopt(conn);
 *   for (let chunk; (chunk = yield* conn.read()) !== null; ) yield* conn.write(chunk);
 * });
 * ```
 */
export function adopt<H extends Handle>(handle: H): Operation<H> {
  if (!(handle instanceof Handle)) throw new TypeError(`adopt(handle): handle must be a Strand I/O handle (a File, Socket or Server)`);
  return operation(adopting<H>, handle);
}

// eslint-disable-next-line require-yield
function* adopting<H extends Handle>(handle: H): Iterator<Instruction, H, unknown> {
  handle.checkOpen("adopt(handle)");
  return own("adopt(handle)", handle);
}

