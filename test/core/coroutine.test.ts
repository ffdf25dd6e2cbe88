// Coroutine<R, S>: the Go seed's API (dispatchrun/coroutine) on a plain
// generator, with no scheduler: next/recv/send/stop/done/result, Coroutine.run,
// yields from nested yield* calls, stop() unwinding, and composition.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Coroutine } from "../../src/index.js";

describe("Coroutine", () => {
  test("next() runs to the next yield and recv() reads it; next() is false once done", () => {
    const counter = new Coroutine<number>(function* () {
      for (let i = 0; i < 3; i++) yield i;
    });
    const seen: number[] = [];
    assert.equal(counter.done, false);
    while (counter.next()) seen.push(counter.recv());
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(counter.done, true);
    assert.equal(counter.next(), false, "next() after the end stays false");
  });

  test("nothing runs before the first next()", () => {
    const log: string[] = [];
    const coroutine = new Coroutine<string>(function* () {
      log.push("started");
      yield "a";
    });
    assert.deepEqual(log, []);
    coroutine.next();
    assert.deepEqual(log, ["started"]);
  });

  test("send(v) answers the pending yield; result is what the body returned", () => {
    const summer = new Coroutine<number, number, number>(function* () {
      let total = 0;
      for (let i = 1; i <= 3; i++) total += (yield i) ?? 0;
      return total;
    });
    const log: string[] = [];
    while (summer.next()) {
      const asked = summer.recv();
      log.push(`asked ${asked}`);
      summer.send(asked * 10);
    }
    assert.deepEqual(log, ["asked 1", "asked 2", "asked 3"]);
    assert.equal(summer.result, 60);
    assert.equal(summer.done, true);
  });

  test("a yield not answered by send() evaluates to undefined", () => {
    const coroutine = new Coroutine<number, string | undefined, (string | undefined)[]>(function* () {
      const got: (string | undefined)[] = [];
      got.push(yield 1);
      got.push(yield 2);
      return got;
    });
    coroutine.next();
    coroutine.send("first");
    coroutine.next();
    coroutine.next(); // no send
    assert.deepEqual(coroutine.result, ["first", undefined]);
  });

  test("Coroutine.run drives to the end, answering each yield with f(value)", () => {
    const coroutine = new Coroutine<number, number, number>(function* () {
      let sum = 0;
      for (let i = 0; i < 4; i++) sum += (yield i) ?? 0;
      return sum;
    });
    const asked: number[] = [];
    const result = Coroutine.run(coroutine, (value) => {
      asked.push(value);
      return value * 2;
    });
    assert.deepEqual(asked, [0, 1, 2, 3]);
    assert.equal(result, 12);
  });

  test("yields come from anywhere down the yield* call chain", () => {
    function* leaf(n: number): Generator<string, number, number | undefined> {
      const answer = yield `leaf ${n}`;
      return answer ?? 0;
    }
    function* middle(): Generator<string, number, number | undefined> {
      const a = yield* leaf(1);
      yield "middle";
      const b = yield* leaf(2);
      return a + b;
    }
    const coroutine = new Coroutine<string, number | undefined, number>(function* () {
      const total = yield* middle();
      yield "top";
      return total;
    });
    const seen: string[] = [];
    const result = Coroutine.run(coroutine, (value) => {
      seen.push(value);
      return value.startsWith("leaf") ? 5 : undefined;
    });
    assert.deepEqual(seen, ["leaf 1", "middle", "leaf 2", "top"]);
    assert.equal(result, 10);
  });

  test("an error thrown by the body comes out of next(); the coroutine is then done", () => {
    const boom = new Error("boom");
    const coroutine = new Coroutine<number>(function* () {
      yield 1;
      throw boom;
    });
    assert.equal(coroutine.next(), true);
    assert.throws(() => coroutine.next(), (error) => error === boom);
    assert.equal(coroutine.done, true);
    assert.equal(coroutine.next(), false);
  });

  describe("stop()", () => {
    test("unwinds like return: finally blocks run now, catch blocks do not", () => {
      const log: string[] = [];
      const coroutine = new Coroutine<number>(function* () {
        try {
          try {
            for (let i = 0; ; i++) yield i;
          } finally {
            log.push("inner finally");
          }
        } catch {
          log.push("catch");
        } finally {
          log.push("outer finally");
        }
        log.push("after");
      });
      coroutine.next();
      coroutine.next();
      assert.deepEqual(log, []);
      coroutine.stop();
      assert.deepEqual(log, ["inner finally", "outer finally"]);
      assert.equal(coroutine.done, true);
      assert.equal(coroutine.next(), false);
    });

    test("runs the finally blocks of nested yield* calls, innermost first", () => {
      const log: string[] = [];
      function* inner(): Generator<number, void, unknown> {
        try {
          yield 1;
        } finally {
          log.push("inner");
        }
      }
      const coroutine = new Coroutine<number>(function* () {
        try {
          yield* inner();
        } finally {
          log.push("outer");
        }
      });
      coroutine.next();
      coroutine.stop();
      assert.deepEqual(log, ["inner", "outer"]);
    });

    test("yielding in a finally block after stop() throws, and the coroutine is done", () => {
      const log: string[] = [];
      const coroutine = new Coroutine<string>(function* () {
        try {
          yield "working";
        } finally {
          log.push("finally starts");
          yield "yield during unwinding";
          log.push("never");
        }
      });
      coroutine.next();
      assert.throws(() => coroutine.stop(), /yielded after stop/);
      assert.deepEqual(log, ["finally starts"]);
      assert.equal(coroutine.done, true);
      assert.equal(coroutine.next(), false);
    });

    test("before the first next() it just ends the coroutine; after the end it does nothing", () => {
      let ran = false;
      const fresh = new Coroutine<number>(function* () {
        ran = true;
        yield 1;
      });
      fresh.stop();
      assert.equal(fresh.done, true);
      assert.equal(fresh.next(), false);
      assert.equal(ran, false);

      const finished = new Coroutine<number, undefined, string>(function* () {
        return "value";
      });
      assert.equal(finished.next(), false);
      finished.stop();
      assert.equal(finished.result, "value");
    });
  });

  test("a coroutine can drive other coroutines (composition)", () => {
    const numbers = (from: number, to: number) =>
      new Coroutine<number>(function* () {
        for (let i = from; i < to; i++) yield i;
      });
    // Interleaves two producers, doubling what it passes on.
    const merged = new Coroutine<number, undefined, number>(function* () {
      const sources = [numbers(0, 3), numbers(10, 12)];
      let count = 0;
      while (sources.length > 0) {
        const source = sources.shift()!;
        if (!source.next()) continue;
        count++;
        yield source.recv() * 2;
        sources.push(source);
      }
      return count;
    });
    const out: number[] = [];
    while (merged.next()) out.push(merged.recv());
    assert.deepEqual(out, [0, 20, 2, 22, 4]);
    assert.equal(merged.result, 5);
  });

  test("stopping a coroutine that drives others can stop them in its finally", () => {
    const log: string[] = [];
    const inner = new Coroutine<number>(function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        log.push("inner stopped");
      }
    });
    const outer = new Coroutine<number>(function* () {
      try {
        while (inner.next()) yield inner.recv();
      } finally {
        inner.stop();
        log.push("outer stopped");
      }
    });
    outer.next();
    outer.next();
    assert.equal(outer.recv(), 1);
    outer.stop();
    assert.deepEqual(log, ["inner stopped", "outer stopped"]);
    assert.equal(inner.done, true);
  });
});
