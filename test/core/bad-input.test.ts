// Bad input fails at once with a TypeError or RangeError whose message names the
// operation and the argument and says what is expected.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  run,
  spawn,
  sleep,
  timeout,
  race,
  all,
  allSettled,
  call,
  action,
  scoped,
  supervisor,
  transfer,
  ensure,
  onCancel,
  fn,
  createContext,
  yieldNow,
  suspend,
  current,
  now,
  Coroutine,
  type Operation,
} from "../../src/index.js";
import { rejects, type ErrorClass } from "./rejects.js";
import { runTest } from "../../src/testing/index.js";


const noop = function* () {};

describe("arguments checked when the operation is created", () => {
  const cases: [string, () => unknown, ErrorClass, ...RegExp[]][] = [
    ["spawn(42)", () => spawn(42 as never), TypeError, /spawn\(body\)/, /body must be an operation or a function/, /got 42/],
    ["run(42)", () => run(42 as never), TypeError, /run\(body\)/, /body must be/, /got 42/],
    ["run(null)", () => run(null as never), TypeError, /run\(body\)/, /got null/],
    ["sleep(-1)", () => sleep(-1), RangeError, /sleep\(ms\)/, /ms must be a number of milliseconds ≥ 0/, /got -1/],
    ["sleep(NaN)", () => sleep(NaN), RangeError, /sleep\(ms\)/, /got NaN/],
    ["sleep('1')", () => sleep("1" as never), TypeError, /sleep\(ms\)/, /ms must be a number/, /got "1"/],
    ["sleep()", () => (sleep as (ms?: number) => unknown)(), TypeError, /sleep\(ms\)/, /got undefined/],
    ["timeout('x', body)", () => timeout("x" as never, noop), TypeError, /timeout\(ms, body\)/, /ms must be a number/, /got "x"/],
    ["timeout(-5, body)", () => timeout(-5, noop), RangeError, /timeout\(ms, body\)/, /got -5/],
    ["timeout(10, 'body')", () => timeout(10, "body" as never), TypeError, /timeout\(ms, body\)/, /body must be/],
    ["race([])", () => race([]), TypeError, /race\(operations\)/, /at least one/],
    ["race(5)", () => race(5 as never), TypeError, /race\(operations\)/, /must be an array/],
    ["race([1])", () => race([1 as never]), TypeError, /race\(operations\): operations\[0\]/],
    ["all('x')", () => all("x" as never), TypeError, /all\(operations\)/, /must be an array/],
    ["all([op, 2])", () => all([noop(), 2 as never]), TypeError, /all\(operations\): operations\[1\]/, /got 2/],
    ["allSettled({})", () => allSettled({} as never), TypeError, /allSettled\(operations\)/],
    ["call(5)", () => call(5 as never), TypeError, /call\(fn\)/, /fn must be a function/, /got 5/],
    ["action(5)", () => action(5 as never), TypeError, /action\(executor\)/, /executor must be a function/, /got 5/],
    ["spawn(body, { priority: 1.5 })", () => spawn(noop, { priority: 1.5 }), TypeError, /spawn\(body, options\)/, /priority must be an integer/, /got 1\.5/],
    ["spawn(body, { priority: '1' })", () => spawn(noop, { priority: "1" as never }), TypeError, /priority must be an integer/],
    ["spawn(body, { name: 7 })", () => spawn(noop, { name: 7 as never }), TypeError, /spawn\(body, options\)/, /name must be a string/],
    ["spawn(body, 'options')", () => spawn(noop, "options" as never), TypeError, /spawn\(body, options\)/, /options must be an object/],
    ["run(body, { name: 1 })", () => run(noop, { name: 1 as never }), TypeError, /run\(body, options\)/, /name must be a string/],
    ["scoped(1)", () => scoped(1 as never), TypeError, /scoped\(body\)/],
    ["supervisor(1)", () => supervisor(1 as never), TypeError, /supervisor\(body\)/],
    ["supervisor(body, { onChildError: 1 })", () => supervisor(noop, { onChildError: 1 as never }), TypeError, /onChildError must be a function/],
    ["transfer(42)", () => transfer(42 as never), TypeError, /transfer\(target\)/, /must be a task/],
    ["ensure(1)", () => ensure(1 as never), TypeError, /ensure\(cleanup\)/, /cleanup must be a function/],
    ["onCancel(1)", () => onCancel(1 as never), TypeError, /onCancel\(handler\)/, /handler must be a function/],
    ["fn(1)", () => fn(1 as never), TypeError, /fn\(body\)/, /body must be a function/],
    ["createContext(1)", () => createContext(1 as never), TypeError, /createContext\(name\)/, /name must be a string/],
    ["new Coroutine(1)", () => new Coroutine(1 as never), TypeError, /new Coroutine\(body\)/],
    ["new Coroutine(() => 1)", () => new Coroutine((() => 1) as never), TypeError, /new Coroutine\(body\)/, /function\*/],
    ["Coroutine.run(1, f)", () => Coroutine.run(1 as never, () => undefined), TypeError, /Coroutine\.run/],
    ["runTest(1)", () => runTest(1 as never), TypeError, /runTest\(body\)/],
  ];
  for (const [name, what, kind, ...patterns] of cases) {
    test(`${name} → ${kind.name}`, () => rejects(what, kind, ...patterns));
  }
});

describe("operations used outside a task", () => {
  const operations: [string, () => Operation<unknown>, RegExp][] = [
    ["sleep(1)", () => sleep(1), /sleep\(\)/],
    ["yieldNow()", () => yieldNow(), /yieldNow\(\)/],
    ["suspend()", () => suspend(), /suspend\(\)/],
    ["spawn(body)", () => spawn(noop), /spawn\(\)/],
    ["current()", () => current(), /current\(\)/],
    ["now()", () => now(), /now\(\)/],
    ["call(fn)", () => call(() => 1), /call\(\)/],
    ["action(executor)", () => action(() => {}), /action\(\)/],
    ["timeout(ms, body)", () => timeout(1, noop), /timeout\(\)/],
    ["scoped(body)", () => scoped(noop), /scoped\(\)/],
    ["ensure(cleanup)", () => ensure(() => {}), /ensure\(\)/],
    ["onCancel(handler)", () => onCancel(() => {}), /onCancel\(\)/],
    ["context.get()", () => createContext("ctx", 1).get(), /ctx\.get\(\)/],
  ];
  for (const [name, make, pattern] of operations) {
    test(`iterating ${name} by hand throws a TypeError naming it`, () =>
      rejects(() => make()[Symbol.iterator]().next(), TypeError, pattern, /must be used inside a Strand task/, /run\(/));
  }

  test("yield* sleep(1) inside a plain Coroutine driven outside a task throws from next()", () => {
    const coroutine = new Coroutine(function* () {
      yield* sleep(1) as unknown as Generator<never, void, undefined>;
    });
    rejects(() => coroutine.next(), TypeError, /sleep\(\)/, /must be used inside a Strand task/);
    assert.equal(coroutine.done, true);
  });

  test("joining a task from outside any task with yield* throws (await it instead)", async () => {
    const task = run(function* () {
      return 1;
    });
    rejects(() => task[Symbol.iterator]().next(), TypeError, /yield\* task/, /inside a Strand task/);
    assert.equal(await task, 1);
  });
});

describe("bad instructions inside a task", () => {
  for (const [name, value, shown] of [
    ["yield 5", 5, /yielded 5/],
    ['yield "x"', "x", /yielded "x"/],
    ["yield undefined", undefined, /yielded undefined/],
    ["yield a promise", Promise.resolve(1), /yielded \[object Promise\]/],
  ] as const) {
    test(`a task that does \`${name}\` (not yield*) fails with a TypeError saying to use yield*`, () =>
      runTest(function* () {
        let thrown: unknown;
        yield* supervisor(function* () {
          const task = yield* spawn(
            function* () {
              yield value as never;
            },
            { name: "careless" },
          );
          try {
            yield* task;
          } catch (error) {
            thrown = error;
          }
        });
        assert.ok(thrown instanceof TypeError, String(thrown));
        assert.match(thrown.message, /careless#\d+/);
        assert.match(thrown.message, shown);
        assert.match(thrown.message, /yield\*/);
      }));
  }

  test("the TypeError is thrown at the bad yield, so the task can catch it", () =>
    runTest(function* () {
      let caught: unknown;
      try {
        yield 5 as never;
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof TypeError);
      yield* sleep(1); // and the task carries on
    }));

  test("a body function that returns something other than an operation fails the task", () =>
    runTest(function* () {
      let thrown: unknown;
      yield* supervisor(function* () {
        const task = yield* spawn((() => 42) as never, { name: "not-a-generator" });
        try {
          yield* task;
        } catch (error) {
          thrown = error;
        }
      });
      assert.ok(thrown instanceof TypeError, String(thrown));
      assert.match(thrown.message, /not-a-generator#\d+/);
      assert.match(thrown.message, /returned 42/);
      assert.match(thrown.message, /generator function/);
    }));

  test("an fn whose body does not return an operation throws a TypeError naming fn at the call", () =>
    runTest(function* () {
      const notAGenerator = fn(function plain() {
        return 5;
      } as never);
      let thrown: unknown;
      try {
        yield* notAGenerator();
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof TypeError, String(thrown));
      assert.match(thrown.message, /fn\(body\)/);
      assert.match(thrown.message, /plain returned 5/);
      assert.match(thrown.message, /generator function/);
    }));

  test("a context without a default read where nobody set it throws an error naming it", () =>
    runTest(function* () {
      const Secret = createContext<string>("secret");
      let thrown: unknown;
      try {
        yield* Secret.get();
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Error);
      assert.match(thrown.message, /context "secret" has no value here/);
    }));
});
