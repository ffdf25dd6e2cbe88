/** Errors of Strand's I/O handles (strand/io). */

/** An operation on a handle that was closed (by `close()`, or because the task that owned it ended). */
export class HandleClosed extends Error {
  override readonly name = "HandleClosed";
}
