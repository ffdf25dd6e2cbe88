// createContext: values looked up through the task tree.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createContext, spawn, scoped, yieldNow } from "../../src/index.js";
import { runTest } from "../../src/testing/index.js";

describe("createContext", () => {
  test("get() gives the default where nobody set a value", () =>
    runTest(function* () {
      const Level = createContext("level", "info");
      assert.equal(Level.name, "level");
      assert.equal(yield* Level.get(), "info");
    }));

  test("set() applies to the current task and its descendants, not to its parent or siblings", () =>
    runTest(function* () {
      const Level = createContext("level", "info");
      const seen: string[] = [];
      const parent = yield* spawn(function* () {
        assert.equal(yield* Level.set("debug"), "debug");
        const child = yield* spawn(function* () {
          yield* yieldNow();
          seen.push(`child: ${yield* Level.get()}`);
          const grandchild = yield* spawn(function* () {
            seen.push(`grandchild: ${yield* Level.get()}`);
          });
          yield* grandchild;
        });
        yield* child;
      });
      const sibling = yield* spawn(function* () {
        seen.push(`sibling: ${yield* Level.get()}`);
      });
      yield* parent;
      yield* sibling;
      seen.push(`root: ${yield* Level.get()}`);
      assert.deepEqual(seen.sort(), ["child: debug", "grandchild: debug", "root: info", "sibling: info"]);
    }));

  test("a child's set() shadows its parent's value for its own subtree only", () =>
    runTest(function* () {
      const Name = createContext("name", "root");
      yield* Name.set("parent");
      const child = yield* spawn(function* () {
        yield* Name.set("child");
        return yield* Name.get();
      });
      assert.equal(yield* child, "child");
      assert.equal(yield* Name.get(), "parent");
    }));

  test("with(value, body) runs body in a scope that sees the value, and returns its result", () =>
    runTest(function* () {
      const User = createContext<string>("user");
      const result = yield* User.with("ada", function* () {
        const inner = yield* spawn(function* () {
          return `hello ${yield* User.get()}`;
        });
        return yield* inner;
      });
      assert.equal(result, "hello ada");
      let thrown: unknown;
      try {
        yield* User.get();
      } catch (error) {
        thrown = error;
      }
      assert.match(String(thrown), /no value here/, "the value does not leak out of with()");
    }));

  test("contexts are independent of each other, and values may be any type (including undefined)", () =>
    runTest(function* () {
      const A = createContext<number | undefined>("a", 1);
      const B = createContext<number>("b", 2);
      yield* A.set(undefined);
      assert.equal(yield* A.get(), undefined);
      assert.equal(yield* B.get(), 2);
      yield* scoped(function* () {
        yield* B.set(20);
        assert.equal(yield* A.get(), undefined);
        assert.equal(yield* B.get(), 20);
      });
      assert.equal(yield* B.get(), 2);
    }));
});
