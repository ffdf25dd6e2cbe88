/**
 * Durable coroutines (the bars, measured in the same run):
 * - resume: a `Coroutine` over a compiled generator against one over the same
 *   generator run natively (bar: compiled ≤ 1.5× native, so native's ratio ≥ 0.67×);
 * - depth: a compiled resume at the bottom of 10,000 `yield*` frames against one
 *   at depth 1 (bar: ≤ 1.2×) — native `yield*` chains are O(depth), see depth.ts;
 * - inline spawn: `spawn(function* () {})` written inline in a loop against the
 *   same body hoisted, both compiled (bar: inline ≤ 1.1×);
 * - snapshot: `snapshotCoroutine` and `restoreCoroutine` of a coroutine with 100
 *   frames holding 10⁴ objects `{ id, name, tags, at }` (a tenth shared) against
 *   `v8.serialize`/`deserialize` of the same objects (bars: ≤ 2× the time, ≤ 1.5×
 *   the bytes; the bytes are in the memory column as bytesPerOp).
 * The durable modules are compiled when the case loads, with Strand's compiler.
 */
import { serialize, deserialize } from "node:v8";
import { check, sizes, type Case } from "../lib/case.js";
import { durableModule, src, type Module } from "../lib/compiled.js";

const RESUME = "durable · Coroutine resume, compiled vs native";
const DEPTH = "durable · compiled resume at depth 10,000 vs 1";
const INLINE = "durable · spawn(function* () {}) inline vs hoisted (compiled)";
const SNAPSHOT = "durable · snapshot+restore of 100 frames, 10⁴ objects";

const MODULE = `"use durable";
import { run, spawn } from "STRAND";
export function* counter() { let x = 0; for (;;) x = (yield x) + 1; }
export function* deep(depth) { if (depth > 0) return yield* deep(depth - 1); let x = 0; for (;;) x = (yield x) + 1; }
export function spawnInline(n) {
  return run(function* () {
    const tasks = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = yield* spawn(function* () {});
    let joined = 0;
    for (let i = 0; i < n; i++, joined++) yield* tasks[i];
    return joined;
  });
}
function* child() {}
export function spawnHoisted(n) {
  return run(function* () {
    const tasks = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = yield* spawn(child);
    let joined = 0;
    for (let i = 0; i < n; i++, joined++) yield* tasks[i];
    return joined;
  });
}
export class Item { constructor(id, name, tags, at) { this.id = id; this.name = name; this.tags = tags; this.at = at; } }
export function* holder(items, frames) {
  if (frames > 1) return yield* holder(items, frames - 1);
  return yield items.length;
}
`;

/** Compiles the workload module once per process and loads it both ways. */
const modules = () => durableModule("durable", MODULE);

type Durable = typeof import("../../src/durable/index.js");
type CoroutineClass = typeof import("../../src/coroutine.js").Coroutine;

function resumeCase(id: string, system: "strand" | "raw", variant: string, make: (m: { compiled: Module; native: Module }) => () => Generator<number, never, number>, ref?: number): Case {
  return {
    id,
    group: RESUME,
    system,
    ...(ref === undefined ? {} : { ref }),
    variant,
    unit: "resume",
    n: sizes(5_000_000, 10),
    needs: ["durable"],
    async load() {
      const body = make(await modules());
      const { Coroutine } = (await import(src("coroutine.js"))) as { Coroutine: CoroutineClass };
      return {
        run(n) {
          const c = new Coroutine<number, number>(body);
          c.next();
          let sum = 0;
          for (let i = 0; i < n; i++) {
            c.send(i);
            c.next();
            sum += c.recv();
          }
          check("sum", sum, (n * (n + 1)) / 2);
        },
      };
    },
  };
}

function depthCase(depth: number, ref?: number): Case {
  return {
    id: `durable/strand/depth-${depth}`,
    group: DEPTH,
    system: "strand",
    ...(ref === undefined ? {} : { ref }),
    variant: `compiled generator resumed at the bottom of ${depth} yield* frames`,
    unit: "resume",
    n: sizes(2_000_000, 10),
    needs: ["durable"],
    async load() {
      const { compiled } = await modules();
      return {
        selfTimed: true,
        run(n) {
          const g = (compiled.deep as (d: number) => Generator<number, never, number>)(depth);
          g.next(0); // builds the stack (untimed)
          let sum = 0;
          const started = performance.now();
          for (let i = 0; i < n; i++) sum += g.next(i).value;
          const ns = (performance.now() - started) * 1e6;
          check("sum", sum, (n * (n + 1)) / 2);
          return { ns };
        },
      };
    },
  };
}

function inlineCase(inline: boolean): Case {
  return {
    id: `durable/strand/spawn-${inline ? "inline" : "hoisted"}`,
    group: INLINE,
    system: "strand",
    ...(inline ? {} : { ref: 1 }),
    variant: inline ? "spawn(function* () {}) inline in the loop" : "spawn(child), child a module-level function*",
    unit: "task",
    n: sizes(100_000),
    needs: ["durable"],
    async load() {
      const { compiled } = await modules();
      const f = (inline ? compiled.spawnInline : compiled.spawnHoisted) as (n: number) => Promise<number>;
      return {
        async run(n) {
          check("joined", await f(n), n);
        },
      };
    },
  };
}

/** The 10⁴ objects: a tenth of them referenced twice. */
function items(Item: new (id: number, name: string, tags: string[], at: Date) => object): object[] {
  const unique: object[] = [];
  for (let i = 0; i < 9_091; i++) unique.push(new Item(i, `item ${i}`, ["a", `tag${i % 17}`, "b"], new Date(1_700_000_000_000 + i)));
  const all = unique.slice();
  for (let i = 0; i < 909; i++) all.push(unique[i * 10]!);
  return all;
}

const snapshotCases: Case[] = [
  {
    id: "durable/strand/snapshot-restore",
    group: SNAPSHOT,
    system: "strand",
    ref: 1,
    variant: "snapshotCoroutine + restoreCoroutine (bytesPerOp: snapshot size)",
    unit: "round trip",
    n: sizes(20, 4),
    needs: ["durable"],
    async load() {
      const { compiled } = await modules();
      const durable = (await import(src("durable/index.js"))) as Durable;
      const { Coroutine } = (await import(src("coroutine.js"))) as { Coroutine: CoroutineClass };
      const list = items(compiled.Item as unknown as new (id: number, name: string, tags: string[], at: Date) => object);
      const c = new Coroutine(() => (compiled.holder as (items: object[], frames: number) => Generator<number, number, number>)(list, 100));
      c.next();
      let bytes = 0;
      return {
        run(n) {
          for (let i = 0; i < n; i++) {
            const saved = durable.snapshotCoroutine(c as never);
            bytes = saved.length;
            const copy = durable.restoreCoroutine<number>(saved);
            check("restored", copy.recv(), list.length);
          }
        },
        async probe() {
          return { bytesPerOp: bytes };
        },
      };
    },
  },
  {
    id: "durable/raw/v8-serialize",
    group: SNAPSHOT,
    system: "raw",
    variant: "v8.serialize + v8.deserialize of the same objects (no frames)",
    unit: "round trip",
    n: sizes(20, 4),
    async load() {
      class Item {
        constructor(
          public id: number,
          public name: string,
          public tags: string[],
          public at: Date,
        ) {}
      }
      const list = items(Item);
      let bytes = 0;
      return {
        run(n) {
          for (let i = 0; i < n; i++) {
            const saved = serialize(list);
            bytes = saved.length;
            const copy = deserialize(saved) as object[];
            check("restored", copy.length, list.length);
          }
        },
        async probe() {
          return { bytesPerOp: bytes };
        },
      };
    },
  },
];

export const cases: Case[] = [
  resumeCase("durable/strand/coroutine-compiled", "strand", "Coroutine over a compiled generator", (m) => m.compiled.counter as () => Generator<number, never, number>, 1),
  resumeCase("durable/raw/coroutine-native", "raw", "the same Coroutine over the generator run natively", (m) => m.native.counter as () => Generator<number, never, number>),
  depthCase(1, 1),
  depthCase(10_000),
  inlineCase(false),
  inlineCase(true),
  ...snapshotCases,
];
