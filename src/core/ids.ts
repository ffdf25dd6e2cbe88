/**
 * Ids of tasks and of the things they wait on, unique across the runtimes and
 * worker threads of a process, so that dumps and reports never confuse two.
 *
 * Each kind (tasks, channels, mutexes...) counts from 1 in each thread; every
 * runtime of the thread draws from the same counter, so ids never repeat
 * across runtimes. A worker thread has a tag (`w2`), set once by the worker
 * layer before it creates anything, and shown in front of every id it makes:
 * `worker#w2.7`. The main thread's tag is empty: `worker#7`.
 */

let threadTag = "";

/** Sets this thread's tag; only the worker layer calls it, before the thread creates any task. */
export function setThreadTag(tag: string): void {
  if (!/^[A-Za-z0-9]*$/.test(tag)) throw new TypeError(`setThreadTag(tag): tag must be letters and digits, got ${JSON.stringify(tag)}`);
  threadTag = tag;
}

/** An id as shown in names and paths: `7`, or `w2.7` in a worker thread. */
export function showId(id: number): string {
  return threadTag === "" ? String(id) : `${threadTag}.${id}`;
}
