// Regression tests for the defects the independent reviews found in channels,
// select and actors (issue 7): each test is named for its defect and failed
// before the fix.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { actor, channel, run, spawn, supervisor, yieldNow, ChannelClosed, type Operation, type Task } from "../../src/index.js";
import { select } from "../../src/select.js";
import { runTest } from "../../src/testing/index.js";

/** One turn of the host event loop: run() tasks started from async code get to run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function* settle(turns = 5): Operation<void> {
  for (let i = 0; i < turns; i++) yield* yieldNow();
}

describe("defect 5: an abandoned async-iterator next() does not swallow an element", () => {
  test("return() withdraws the pending receive and settles at once; the next trySend finds nobody", { timeout: 10_000 }, async () => {
    const ch = channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const pending = it.next();
    await turn(); // the receive is parked on the channel
    assert.equal(ch.stats().waitingReceivers, 1);
    assert.deepEqual(await it.return!(), { done: true, value: undefined });
    assert.deepEqual(await pending, { done: true, value: undefined }, "the abandoned next() ends the iteration");
    assert.deepEqual(ch.trySend(1), { ok: false, reason: "full" }, "nobody receives any more: 1 stays with the sender");
    assert.equal(ch.stats().waitingReceivers, 0);
  });

  test("an element handed to the pending next() before it ran goes back to the channel on return()", { timeout: 10_000 }, async () => {
    const ch = channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const pending = it.next();
    await turn();
    assert.deepEqual(ch.trySend(1), { ok: true }, "handed to the parked receive");
    await it.return!(); // before the receiving task ran
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 1 }, "1 went back to the channel");
    assert.equal(ch.stats().undelivered, 0);
  });

  test("next() after return() is done; concurrent next() calls receive in call order", { timeout: 10_000 }, async () => {
    const ch = channel<number>("unlimited");
    const it = ch[Symbol.asyncIterator]();
    const a = it.next();
    const b = it.next();
    ch.trySend(1);
    ch.trySend(2);
    assert.deepEqual([await a, await b], [
      { done: false, value: 1 },
      { done: false, value: 2 },
    ]);
    await it.return!();
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
  });

  test("break out of for await: the loop's return() leaves no receiver behind", { timeout: 10_000 }, async () => {
    const ch = channel<number>(4);
    ch.trySend(1);
    ch.trySend(2);
    for await (const value of ch) {
      assert.equal(value, 1);
      break;
    }
    assert.equal(ch.stats().waitingReceivers, 0);
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 2 });
  });
});

describe("defect 9: a throwing onUndelivered on an actor's mailbox fails the actor's task", () => {
  test("the error fails the actor (and its parent, as any task error); the process goes on", () =>
    runTest(function* () {
      let actorTask: unknown;
      let caught: unknown;
      const other = yield* spawn(function* () {
        yield* settle(20);
        return "other ran";
      });
      try {
        yield* supervisor(function* () {
          const counter = yield* actor(
            function* (message: number) {
              if (message === 0) yield* settle(10);
            },
            {
              capacity: 4,
              onUndelivered: () => {
                throw new Error("onUndelivered broke");
              },
            },
          );
          yield* counter.send(0);
          yield* counter.send(1); // queued: goes to onUndelivered when the actor is cancelled
          yield* settle(2); // the actor is handling 0
          actorTask = (counter as unknown as { task: { cancel(): Operation<void>; state: string } }).task;
          yield* (actorTask as { cancel(): Operation<void> }).cancel();
        });
      } catch (error) {
        caught = error;
      }
      assert.match(String((caught as Error)?.message), /onUndelivered broke/, "awaiting the actor's cancel() gets its error");
      assert.equal((actorTask as { state: string }).state, "failed");
      assert.equal(yield* other, "other ran");
    }));
});

/** Runs `body` as a supervised child, joins it expecting it to fail with the callback's error, and returns its task. */
function* failsUnderSupervisor(body: () => Operation<void>): Operation<Task<void>> {
  return yield* supervisor(function* () {
    const child = yield* spawn(body);
    try {
      yield* child;
      assert.fail(`${child} did not fail`);
    } catch (error) {
      assert.match(String((error as Error).message), /onUndelivered broke/);
    }
    return child;
  });
}

describe("defect 10: a throwing onUndelivered never makes ownership ambiguous", () => {
  const broken = () => {
    throw new Error("onUndelivered broke");
  };

  test("trySend on a full drop-oldest channel from plain code: the element is accepted, and the error says so", () => {
    const ch = channel<number>(1, { onOverflow: "drop-oldest", onUndelivered: broken });
    ch.trySend(1);
    let caught: unknown;
    try {
      ch.trySend(2);
    } catch (error) {
      caught = error;
    }
    assert.match(String((caught as Error)?.message), /trySend.*took the element/);
    assert.match(String(((caught as Error).cause as Error)?.message), /onUndelivered broke/);
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 2 }, "2 was accepted once: a retry would duplicate it");
    assert.deepEqual(ch.tryReceive(), { ok: false, reason: "empty" });
  });

  test("inside a task: trySend returns { ok: true } and the error fails the task", () =>
    runTest(function* () {
      const ch = channel<number>(1, { onOverflow: "drop-oldest", onUndelivered: broken });
      let result: unknown;
      const sender = yield* failsUnderSupervisor(function* () {
        ch.trySend(1);
        result = ch.trySend(2);
        yield* yieldNow(); // torn down here
        result = "ran on";
      });
      assert.deepEqual(result, { ok: true });
      assert.equal(sender.state, "failed");
      assert.deepEqual(ch.tryReceive(), { ok: true, value: 2 });
    }));

  test("send() to a closed channel throws ChannelClosed, not the callback's error (which fails the task)", () =>
    runTest(function* () {
      const ch = channel<number>(1, { onUndelivered: broken });
      ch.close();
      let thrown: unknown;
      const sender = yield* failsUnderSupervisor(function* () {
        try {
          yield* ch.send(1);
        } catch (error) {
          thrown = error;
        }
      });
      assert.ok(thrown instanceof ChannelClosed, `send threw ${String(thrown)}`);
      assert.equal(sender.state, "failed");
    }));
});

describe("defect 12: a parked select does not favour its first clause", () => {
  test("two send clauses on one rendezvous channel, partner arriving later: both win sometimes (Go's TestPseudoRandomSend)", () =>
    runTest(function* () {
      const ch = channel<number>();
      const wins = [0, 0];
      for (let i = 0; i < 100; i++) {
        const selecting = yield* spawn(() => select(ch.onSend(0), ch.onSend(1)));
        yield* yieldNow(); // the select parks
        const got = yield* ch.receive();
        wins[got]++;
        yield* selecting;
      }
      assert.ok(wins[0] > 10 && wins[1] > 10, `wins ${wins.join(" / ")}`);
    }));

  test("two receive clauses on one channel, the sender arriving later: both win sometimes", () =>
    runTest(function* () {
      const ch = channel<number>();
      const wins = { a: 0, b: 0 };
      for (let i = 0; i < 100; i++) {
        const selecting = yield* spawn(() =>
          select(
            ch.onReceive(() => "a" as const),
            ch.onReceive(() => "b" as const),
          ),
        );
        yield* yieldNow();
        yield* ch.send(i);
        wins[yield* selecting]++;
      }
      assert.ok(wins.a > 10 && wins.b > 10, `wins ${wins.a} / ${wins.b}`);
    }));
});

test("for await with run() and a rendezvous channel still delivers (sanity)", async () => {
  const ch = channel<number>();
  const producer = run(function* () {
    for (let i = 0; i < 3; i++) yield* ch.send(i);
    ch.close();
  });
  const got: number[] = [];
  for await (const value of ch) got.push(value);
  await producer;
  assert.deepEqual(got, [0, 1, 2]);
});
