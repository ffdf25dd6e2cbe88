// Events as operations, clauses and channels, for EventEmitter and EventTarget.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { run, spawn, select, onTimeout, consumeEach, TimeoutError, ChannelClosed } from "../../src/index.js";
import { once, onEvent, on } from "../../src/io/index.js";
import { runTest } from "../../src/testing/index.js";

describe("events", () => {
  test("once: an emitter's first argument; an EventTarget's Event", async () => {
    const emitter = new EventEmitter();
    const target = new EventTarget();
    const result = await run(function* () {
      const a = yield* spawn(() => once<number>(emitter, "data"));
      const b = yield* spawn(() => once<Event>(target, "ping"));
      yield* spawn(function* () {
        emitter.emit("data", 42, "ignored");
        target.dispatchEvent(new Event("ping"));
      });
      return [yield* a, (yield* b).type];
    });
    assert.deepEqual(result, [42, "ping"]);
    assert.equal(emitter.listenerCount("data"), 0);
    assert.equal(emitter.listenerCount("error"), 0);
  });

  test("once: an emitter's error event throws; a deadline throws TimeoutError and stops listening", async () => {
    const emitter = new EventEmitter();
    const errors = await run(function* () {
      const waiting = yield* spawn(function* () {
        try {
          yield* once(emitter, "data");
        } catch (error) {
          return error;
        }
      });
      yield* spawn(function* () {
        emitter.emit("error", new Error("boom"));
      });
      const first = yield* waiting;
      let second: unknown;
      try {
        yield* once(emitter, "data", { timeout: 1 });
      } catch (error) {
        second = error;
      }
      return [(first as Error).message, second instanceof TimeoutError];
    });
    assert.deepEqual(errors, ["boom", true]);
    assert.equal(emitter.listenerCount("data"), 0);
  });

  test("onEvent in a select: the event that comes first wins; the other clause stops listening", async () => {
    const emitter = new EventEmitter();
    const result = await run(function* () {
      yield* spawn(function* () {
        emitter.emit("b", "B");
      });
      return yield* select(
        onEvent<string>(emitter, "a", (v) => `a: ${v}`),
        onEvent<string>(emitter, "b", (v) => `b: ${v}`),
        onTimeout(60_000, () => "timed out"),
      );
    });
    assert.equal(result, "b: B");
    assert.equal(emitter.listenerCount("a") + emitter.listenerCount("b"), 0);
  });

  test("on: a channel of every event; stops listening when its task ends", async () => {
    const emitter = new EventEmitter();
    const got = await run(function* () {
      const values = yield* spawn(function* () {
        const events = yield* on<number>(emitter, "n");
        const got: number[] = [];
        yield* consumeEach(events, (n) => {
          got.push(n);
          if (n === 3) events.cancel(); // the receiver stops: no more listening
        });
        return got;
      });
      yield* spawn(function* () {
        for (let n = 1; n <= 5; n++) emitter.emit("n", n);
      });
      return yield* values;
    });
    assert.deepEqual(got, [1, 2, 3]);
    assert.equal(emitter.listenerCount("n"), 0);
  });

  test("on: an emitter's error closes the channel with the error as its cause; a full suspend channel is cancelled", async () => {
    const emitter = new EventEmitter();
    const result = await run(function* () {
      const events = yield* on(emitter, "x");
      const bounded = yield* on(emitter, "y", { capacity: 1 });
      emitter.emit("y", 1);
      emitter.emit("y", 2);
      emitter.emit("error", new Error("gone"));
      let error: unknown;
      try {
        yield* events.receive();
      } catch (e) {
        error = e;
      }
      const overflow = bounded.tryReceive();
      return [error instanceof ChannelClosed && (error.cause as Error).message, overflow.ok === false && overflow.reason];
    });
    assert.deepEqual(result, ["gone", "closed"]);
    assert.equal(emitter.listenerCount("x") + emitter.listenerCount("y") + emitter.listenerCount("error"), 0);
  });

  test("a task waiting for an event is not reported as deadlocked under runTest's virtual clock while listening", async () => {
    const emitter = new EventEmitter();
    setImmediate(() => emitter.emit("go", "went"));
    const value = await runTest(() => once<string>(emitter, "go"));
    assert.equal(value, "went");
  });

  test("bad arguments are TypeErrors naming the argument", () => {
    assert.throws(() => once({} as never, "x"), /once\(target, event, options\): target must be an EventEmitter or an EventTarget/);
    assert.throws(() => onEvent(new EventEmitter(), 1 as never), /event must be a string or a symbol/);
    assert.throws(() => on(new EventTarget(), Symbol("s")), /an EventTarget's event must be a string/);
  });
});
