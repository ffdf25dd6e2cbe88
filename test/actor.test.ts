// Actors: a task owning a mailbox, handling messages one at a time; ask()
// request/reply with typed replies; close() drains then ends; failure and
// cancellation follow the task tree; an ask pending when the actor ends fails
// with ActorStopped instead of hanging.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  actor,
  ActorStopped,
  spawn,
  sleep,
  yieldNow,
  scoped,
  supervisor,
  run,
  ChannelClosed,
  Cancelled,
  type Reply,
  type Operation,
} from "../src/index.js";
import { runTest } from "../src/testing/index.js";

type CounterMessage =
  | { kind: "add"; n: number }
  | { kind: "get"; reply: Reply<number> }
  | { kind: "describe"; prefix: string; reply: Reply<string> }
  | { kind: "fail"; reply: Reply<number> };

function makeCounterHandler() {
  const state = { total: 0 };
  const handler = (message: CounterMessage): void => {
    switch (message.kind) {
      case "add":
        state.total += message.n;
        break;
      case "get":
        message.reply.resolve(state.total);
        break;
      case "describe":
        message.reply.resolve(`${message.prefix}${state.total}`);
        break;
      case "fail":
        message.reply.reject(new RangeError("no such thing"));
        break;
    }
  };
  return { state, handler };
}

/** Runs `operation` and returns what it threw. */
function* thrown(operation: Operation<unknown>): Operation<unknown> {
  try {
    yield* operation;
  } catch (error) {
    return error;
  }
  assert.fail("it did not throw");
}

describe("actor", () => {
  test("handles messages in order, one at a time, even when the handler suspends", () =>
    runTest(function* () {
      const log: string[] = [];
      let busy = false;
      const worker = yield* actor(
        function* (message: number) {
          assert.equal(busy, false, "one at a time");
          busy = true;
          log.push(`start ${message}`);
          yield* sleep(10);
          log.push(`end ${message}`);
          busy = false;
        },
        { capacity: 10, name: "worker" },
      );
      assert.equal(worker.name, "worker");
      assert.equal(worker.task.name, "worker");
      for (const n of [1, 2, 3]) yield* worker.send(n);
      worker.close();
      yield* worker.task;
      assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
      assert.equal(worker.stats().processed, 3);
    }));

  test("ask: the reply's type follows the message variant; rejections are thrown to the asker", () =>
    runTest(function* () {
      const { handler } = makeCounterHandler();
      const counter = yield* actor(handler);
      yield* counter.send({ kind: "add", n: 2 });
      yield* counter.send({ kind: "add", n: 3 });
      const total: number = yield* counter.ask((reply) => ({ kind: "get", reply }));
      assert.equal(total, 5);
      const text: string = yield* counter.ask((reply) => ({ kind: "describe", prefix: "total=", reply }));
      assert.equal(text, "total=5");
      const error = yield* thrown(counter.ask((reply) => ({ kind: "fail", reply })));
      assert.ok(error instanceof RangeError && error.message === "no such thing");
      // @ts-expect-error: "add" messages carry no reply, so they cannot be asked
      void (() => counter.ask((reply) => ({ kind: "add", n: 1, reply })));
      // @ts-expect-error: a "get" is answered with a number, not a string
      void (() => { const wrong: Operation<string> = counter.ask((reply) => ({ kind: "get", reply })); return wrong; });
      counter.close();
    }));

  test("a handler may keep a reply and settle it later; resolve and reject say whether they counted", () =>
    runTest(function* () {
      type Message = { kind: "wait"; reply: Reply<string> } | { kind: "release"; value: string };
      const waiting: Reply<string>[] = [];
      const results: boolean[] = [];
      const gate = yield* actor((message: Message) => {
        if (message.kind === "wait") waiting.push(message.reply);
        else
          for (const reply of waiting.splice(0)) {
            results.push(reply.resolve(message.value));
            results.push(reply.resolve("twice"));
            results.push(reply.settled);
          }
      }, { capacity: "unlimited" });
      const askers = [yield* spawn(() => gate.ask((reply) => ({ kind: "wait", reply }))), yield* spawn(() => gate.ask((reply) => ({ kind: "wait", reply })))];
      yield* sleep(1);
      assert.equal(gate.stats().pendingAsks, 2);
      yield* gate.send({ kind: "release", value: "open" });
      assert.deepEqual([yield* askers[0], yield* askers[1]], ["open", "open"]);
      assert.deepEqual(results, [true, false, true, true, false, true]);
      assert.equal(gate.stats().pendingAsks, 0);
      gate.close();
    }));

  test("close(): queued messages are still handled, then the actor ends; later sends throw ChannelClosed and asks ActorStopped", () =>
    runTest(function* () {
      const handled: number[] = [];
      const { handler } = makeCounterHandler();
      const worker = yield* actor(function* (message: number) {
        yield* sleep(1);
        handled.push(message);
      }, { capacity: 5 });
      for (const n of [1, 2, 3]) yield* worker.send(n);
      assert.equal(worker.close(), true);
      assert.equal(worker.close(), false);
      const sendError = yield* thrown(worker.send(4));
      assert.ok(sendError instanceof ChannelClosed);
      assert.deepEqual(worker.trySend(5), { ok: false, reason: "closed" });
      yield* worker.task;
      assert.deepEqual(handled, [1, 2, 3]);
      assert.equal(worker.task.state, "completed");
      const counter = yield* actor(handler, { name: "counter" });
      counter.close();
      const askError = yield* thrown(counter.ask((reply) => ({ kind: "get", reply })));
      assert.ok(askError instanceof ActorStopped, String(askError));
      assert.equal(askError.actor, "counter");
    }));

  test("a handler error fails the actor and its parent (the task tree)", () =>
    runTest(function* () {
      const error = yield* thrown(
        scoped(function* () {
          const broken = yield* actor((message: string) => {
            throw new Error(`cannot handle ${message}`);
          });
          yield* broken.send("x");
          yield* sleep(1_000);
        }),
      );
      assert.ok(error instanceof Error && error.message === "cannot handle x");
    }));

  test("under supervisor, a failed actor fails the asks pending on it with ActorStopped (its error as cause)", () =>
    runTest(function* () {
      type Message = { kind: "crash" } | { kind: "get"; reply: Reply<number> };
      const kept: Reply<number>[] = [];
      const childErrors: unknown[] = [];
      yield* supervisor(
        function* () {
          const fragile = yield* actor(
            (message: Message) => {
              if (message.kind === "crash") throw new Error("crashed");
              kept.push(message.reply); // answered later, or never
            },
            { name: "fragile", capacity: "unlimited" },
          );
          const first = yield* spawn(() => fragile.ask((reply) => ({ kind: "get", reply })));
          yield* sleep(1); // handled: its reply is kept, pending
          yield* fragile.send({ kind: "crash" });
          const second = yield* spawn(() => fragile.ask((reply) => ({ kind: "get", reply }))); // behind the crash
          for (const asker of [first, second]) {
            const error = yield* thrown(asker);
            assert.ok(error instanceof ActorStopped, String(error));
            assert.match(error.message, /actor "fragile" failed before replying/);
            assert.equal((error.cause as Error).message, "crashed");
          }
          assert.equal(fragile.task.state, "failed");
        },
        { onChildError: (error) => childErrors.push(error) },
      );
      assert.equal(childErrors.length, 3, "the supervisor saw the actor and both askers fail, and carried on");
      assert.equal((childErrors[0] as Error).message, "crashed");
      assert.equal(kept[0].settled, true);
    }));

  test("cancelling the parent cancels the actor", () =>
    runTest(function* () {
      let actorTask: { state: string } | undefined;
      const parent = yield* spawn(function* () {
        const a = yield* actor((_: number) => {});
        actorTask = a.task;
        yield* sleep(1_000);
      });
      yield* sleep(1);
      yield* parent.cancel();
      assert.equal(actorTask?.state, "cancelled");
    }));

  test("when the actor is cancelled: pending asks fail with ActorStopped, waiting senders with ChannelClosed, queued messages go to onUndelivered", () =>
    runTest(function* () {
      const undelivered: string[] = [];
      const slow = yield* actor(
        function* (_message: { text: string } | { text: string; reply: Reply<string> }) {
          yield* sleep(1_000);
        },
        { capacity: 1, name: "slow", onUndelivered: (message) => undelivered.push(message.text) },
      );
      yield* slow.send({ text: "being handled" });
      yield* yieldNow();
      const asker = yield* spawn(() => thrown(slow.ask((reply) => ({ text: "queued ask", reply }))));
      const sender = yield* spawn(() => thrown(slow.send({ text: "waiting send" })));
      yield* yieldNow();
      assert.equal(slow.stats().mailbox.waitingSenders, 1);
      yield* slow.task.cancel();
      const askError = yield* asker;
      assert.ok(askError instanceof ActorStopped);
      assert.match(askError.message, /actor "slow" was cancelled before replying/);
      const sendError = yield* sender;
      assert.ok(sendError instanceof ChannelClosed);
      assert.deepEqual(undelivered.sort(), ["queued ask", "waiting send"]);
      assert.equal(slow.stats().pendingAsks, 0);
    }));

  test("an actor cancelled before its first step still fails the asks queued for it instead of hanging", () =>
    runTest(function* () {
      let ran = false;
      const counter = yield* actor(
        (message: { reply: Reply<number> }) => {
          ran = true;
          message.reply.resolve(1);
        },
        { capacity: 4 },
      );
      // Higher priorities run first: the ask is queued, then the actor is cancelled, before the actor's first step.
      const asker = yield* spawn(() => thrown(counter.ask((reply) => ({ reply }))), { priority: 2 });
      yield* spawn(function* () {
        assert.equal(counter.stats().pendingAsks, 1);
        assert.equal(counter.stats().mailbox.buffered, 1);
        counter.task.cancel();
      }, { priority: 1 });
      const error = yield* asker;
      assert.ok(error instanceof ActorStopped, String(error));
      assert.match(error.message, /was cancelled before replying/);
      assert.equal(ran, false);
      assert.equal(counter.task.state, "cancelled");
    }));

  test("an ask to an actor that has ended fails at once with ActorStopped", () =>
    runTest(function* () {
      const { handler } = makeCounterHandler();
      const counter = yield* actor(handler);
      yield* counter.task.cancel();
      const error = yield* thrown(counter.ask((reply) => ({ kind: "get", reply })));
      assert.ok(error instanceof ActorStopped, String(error));
    }));

  test("an asker cancelled while waiting abandons its reply: a later resolve returns false", () =>
    runTest(function* () {
      const kept: Reply<number>[] = [];
      const holder = yield* actor((message: { reply: Reply<number> }) => {
        kept.push(message.reply);
      });
      const asker = yield* spawn(() => holder.ask((reply) => ({ reply })));
      yield* sleep(1);
      assert.equal(holder.stats().pendingAsks, 1);
      yield* asker.cancel();
      assert.equal(holder.stats().pendingAsks, 0);
      assert.equal(kept[0].settled, true);
      assert.equal(kept[0].resolve(1), false);
      holder.close();
    }));

  test("a handler that returns a promise fails the actor with a clear TypeError", () =>
    runTest(function* () {
      const error = yield* thrown(
        scoped(function* () {
          const wrong = yield* actor((async (_: number) => {}) as unknown as (message: number) => void);
          yield* wrong.send(1);
          yield* sleep(1_000);
        }),
      );
      assert.ok(error instanceof TypeError && /returned a promise/.test(error.message));
    }));

  test("bad input: handler, options, capacity", () => {
    assert.throws(() => actor(42 as never), /handler must be a function/);
    assert.throws(() => actor(() => {}, "x" as never), /options must be an object/);
    assert.throws(() => actor(() => {}, { name: 1 } as never), /name must be a string/);
    assert.throws(() => actor(() => {}, { capacity: -1 }), RangeError);
    assert.throws(() => actor(() => {}, { capacity: "big" as never }), TypeError);
    assert.throws(() => actor(() => {}, { onUndelivered: 3 } as never), /onUndelivered must be a function/);
  });

  test("cancelling a root task that owns an actor tears the actor down", async () => {
    let state = "";
    const root = run(function* () {
      const a = yield* actor((_: number) => {});
      try {
        yield* sleep(1_000);
      } finally {
        state = a.task.state;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await root.cancel();
    assert.equal(state, "cancelled", "children are torn down before the parent's finally");
    await assert.rejects(Promise.resolve(root), Cancelled);
  });
});
