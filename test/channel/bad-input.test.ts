// Bad input to channel() and select() fails at once with a TypeError or
// RangeError whose message names the argument and what it expects.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { channel, type Capacity, type ChannelOptions } from "../../src/channel/channel.js";
import type { SelectClause } from "../../src/core/clause.js";
import { select, selectBiased, onTimeout, onDefault } from "../../src/select.js";
import { runTest } from "../../src/testing/index.js";

function throwsWith(fn: () => unknown, type: typeof TypeError | typeof RangeError, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.match((error as Error).message, message);
    return true;
  });
}

describe("channel(capacity, options): bad input", () => {
  const capacities: [unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    [-1, RangeError, /capacity must be an integer ≥ 0.*got -1/],
    [1.5, RangeError, /capacity must be an integer ≥ 0.*got 1\.5/],
    [NaN, RangeError, /capacity must be an integer ≥ 0.*got NaN/],
    [Infinity, RangeError, /capacity.*"unlimited".*got Infinity/],
    ["big", TypeError, /capacity must be .*"unlimited" or "conflated", got "big"/],
    ["10", TypeError, /capacity.*got "10"/],
    [null, TypeError, /capacity.*got null/],
    [{}, TypeError, /capacity/],
  ];
  for (const [capacity, type, message] of capacities) {
    test(`capacity ${typeof capacity === "string" ? JSON.stringify(capacity) : String(capacity)} → ${type.name}`, () =>
      throwsWith(() => channel(capacity as Capacity), type, message));
  }

  for (const capacity of [0, "unlimited", "conflated"] as const) {
    for (const policy of ["drop-oldest", "drop-latest", "suspend"] as const) {
      test(`onOverflow "${policy}" on a ${capacity === 0 ? "rendezvous" : capacity} channel → TypeError`, () =>
        throwsWith(() => channel(capacity, { onOverflow: policy }), TypeError, /onOverflow applies to buffered channels/));
    }
  }

  test('onOverflow "bogus" → TypeError naming the choices', () =>
    throwsWith(
      () => channel(4, { onOverflow: "bogus" } as unknown as ChannelOptions<number>),
      TypeError,
      /onOverflow must be "suspend", "drop-oldest" or "drop-latest", got bogus/,
    ));

  for (const value of [42, "log", {}]) {
    test(`onUndelivered ${JSON.stringify(value)} (not a function) → TypeError`, () =>
      throwsWith(() => channel(1, { onUndelivered: value } as unknown as ChannelOptions<number>), TypeError, /onUndelivered must be a function/));
  }

  test("options that are not an object → TypeError", () => {
    throwsWith(() => channel(1, null as unknown as ChannelOptions<number>), TypeError, /options must be an object/);
    throwsWith(() => channel(1, 5 as unknown as ChannelOptions<number>), TypeError, /options must be an object/);
  });

  test("a name that is not a string → TypeError", () =>
    throwsWith(() => channel(1, { name: 5 } as unknown as ChannelOptions<number>), TypeError, /name must be a string/));

  test("good input is accepted", () => {
    for (const capacity of [0, 1, 1_000_000, "unlimited", "conflated"] as const) channel(capacity);
    channel(2, { onOverflow: "suspend" });
    channel(2, { onOverflow: "drop-oldest", onUndelivered: () => {}, name: "ok" });
  });
});

describe("select(...clauses): bad input", () => {
  test("select() with no clauses → TypeError", () => {
    throwsWith(() => select(), TypeError, /select\(\.\.\.clauses\): needs at least one clause/);
    throwsWith(() => selectBiased(), TypeError, /selectBiased\(\.\.\.clauses\): needs at least one clause/);
  });

  test("select(42) and other non-clauses → TypeError naming the clause's position", () => {
    throwsWith(() => select(42 as unknown as SelectClause<unknown>), TypeError, /clause 0 is not a select clause/);
    const ch = channel<number>();
    throwsWith(() => select(ch.onReceive(), { kind: 0 } as unknown as SelectClause<unknown>), TypeError, /clause 1 is not a select clause/);
    throwsWith(() => select(ch.receive() as unknown as SelectClause<unknown>), TypeError, /clause 0 is not a select clause; make clauses with ch\.onReceive\(\)/);
  });

  test("two onDefault, or onDefault with onTimeout → TypeError (several onTimeout are allowed, as in kotlinx)", () => {
    throwsWith(() => select(onDefault(() => 1), onDefault(() => 2)), TypeError, /at most one onDefault/);
    assert.doesNotThrow(() => select(onTimeout(1), onTimeout(2)));
    throwsWith(() => select(onTimeout(1), onDefault(() => 2)), TypeError, /onDefault and onTimeout cannot be combined/);
  });

  test("onTimeout(ms) with a bad ms → RangeError or TypeError naming ms", () => {
    throwsWith(() => onTimeout(-1), RangeError, /onTimeout\(ms\): ms must be a number of milliseconds ≥ 0, got -1/);
    throwsWith(() => onTimeout(NaN), RangeError, /onTimeout\(ms\): ms .*got NaN/);
    throwsWith(() => onTimeout("5" as unknown as number), TypeError, /onTimeout\(ms\): ms must be a number of milliseconds, got "5"/);
  });

  test("handlers that are not functions → TypeError naming the handler", () => {
    const ch = channel<number>();
    throwsWith(() => onDefault(42 as unknown as () => unknown), TypeError, /onDefault\(handler\): handler must be a function/);
    throwsWith(() => onTimeout(1, 42 as unknown as () => unknown), TypeError, /onTimeout\(ms, handler\): handler must be a function/);
    throwsWith(() => ch.onSend(1, 42 as unknown as () => unknown), TypeError, /onSend\(value, handler\): handler must be a function/);
    throwsWith(() => ch.onReceive(42 as unknown as () => unknown), TypeError, /onReceive\(handler\): handler must be a function/);
    throwsWith(() => ch.onReceiveCatching(42 as unknown as () => unknown), TypeError, /onReceiveCatching\(handler\): handler must be a function/);
    throwsWith(() => ch.each(42 as unknown as () => void), TypeError, /each\(body\): body must be a function/);
  });
});

describe("operations outside a task", () => {
  test("send, receive and select name themselves and say to run them in a task", () => {
    const ch = channel<number>(1);
    throwsWith(() => ch.send(1)[Symbol.iterator]().next(), TypeError, /send\(\) must be used inside a Strand task/);
    throwsWith(() => ch.receive()[Symbol.iterator]().next(), TypeError, /receive\(\) must be used inside a Strand task/);
    throwsWith(() => select(ch.onReceive())[Symbol.iterator]().next(), TypeError, /select\(\) must be used inside a Strand task/);
    assert.deepEqual(ch.stats().buffered, 0, "nothing happened");
    assert.deepEqual(ch.trySend(1), { ok: true }, "trySend/tryReceive need no task");
    assert.deepEqual(ch.tryReceive(), { ok: true, value: 1 });
  });

  test("a bad clause fails the select inside a task like any error", () =>
    runTest(function* () {
      try {
        yield* select();
        assert.fail("select() accepted no clauses");
      } catch (error) {
        assert.ok(error instanceof TypeError);
      }
    }));
});
