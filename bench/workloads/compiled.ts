/**
 * The channel, spawn and mutex workloads again, their generator bodies in a
 * `"use durable"` module compiled by Strand's compiler (issue 16's compiled
 * path): compiled coroutines avoid V8's per-closure generator set-up and the
 * `yield*` delegation of plain generators. Each case joins its workload's group,
 * so its ratio is against the plain-generator case of the same run.
 */
import { check, sizes, type Case } from "../lib/case.js";
import { durableModule, type Module } from "../lib/compiled.js";
import { CAPACITY, G as FANIN, PRODUCERS } from "./fanin.js";
import { G as MUTEX, TASKS } from "./mutex.js";
import { G as PINGPONG } from "./pingpong.js";
import { groupOf } from "./prodcons.js";
import { IDLE } from "./spawn.js";

/** The same bodies as the plain cases, written as users write them. */
const MODULE = `"use durable";
import { run, spawn, channel, yieldNow } from "STRAND";
import { Mutex } from "STRAND_SYNC";

export function pingpong(n) {
  return run(function* () {
    const ping = channel(0);
    const pong = channel(0);
    const ponger = yield* spawn(function* () {
      for (let i = 0; i < n; i++) yield* pong.send((yield* ping.receive()) + 1);
    });
    let v = 0;
    for (let i = 0; i < n; i++) {
      yield* ping.send(v);
      v = yield* pong.receive();
    }
    yield* ponger;
    return v;
  });
}

export function prodcons(n, capacity) {
  return run(function* () {
    const numbers = channel(capacity);
    const producer = yield* spawn(function* () {
      for (let i = 0; i < n; i++) yield* numbers.send(i);
    });
    let total = 0;
    for (let i = 0; i < n; i++) total += yield* numbers.receive();
    yield* producer;
    return total;
  });
}

export function fanin(n, producers, capacity) {
  const each = n / producers;
  return run(function* () {
    const messages = channel(capacity);
    const producer = function* () {
      for (let i = 0; i < each; i++) yield* messages.send(1);
    };
    for (let p = 0; p < producers; p++) yield* spawn(producer);
    let total = 0;
    for (let i = 0; i < n; i++) total += yield* messages.receive();
    return total;
  });
}

function* child() {}
export function spawnIdle(n) {
  return run(function* () {
    let tasks = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = yield* spawn(child);
    let joined = 0;
    for (let i = 0; i < n; i++, joined++) yield* tasks[i];
    tasks = [];
    return joined;
  });
}

export function mutex(n, contenders) {
  const each = n / contenders;
  let counter = 0;
  return run(function* () {
    const mutex = new Mutex();
    const critical = function* () {
      const seen = counter;
      yield* yieldNow();
      counter = seen + 1;
    };
    for (let t = 0; t < contenders; t++) {
      yield* spawn(function* () {
        for (let i = 0; i < each; i++) yield* mutex.withLock(critical);
      });
    }
  }).then(() => counter);
}
`;

const compiled = async (): Promise<Module> => (await durableModule("compiled", MODULE.replace('"STRAND_SYNC"', JSON.stringify(new URL("../../src/sync/index.js", import.meta.url).href)))).compiled;

type Call = (m: Module, n: number) => Promise<number>;

function compiledCase(id: string, group: string, unit: string, variant: string, call: Call, expected: (n: number) => number): Case {
  return {
    id,
    group,
    system: "strand",
    variant: `${variant} ("use durable", compiled)`,
    unit,
    n: sizes(id.startsWith("mutex") ? 100_000 : id.startsWith("spawn") ? 100_000 : 1_000_000),
    needs: ["durable"],
    async load() {
      const m = await compiled();
      return {
        async run(n) {
          check(id, await call(m, n), expected(n));
        },
      };
    },
  };
}

const sum = (n: number): number => (n * (n - 1)) / 2;

export const cases: Case[] = [
  compiledCase("pingpong/strand/compiled", PINGPONG, "round trip", "channel(0) ×2, spawn + send/receive", (m, n) => m.pingpong(n as never) as Promise<number>, (n) => n),
  ...[64, 1024].map((capacity) =>
    compiledCase(`prodcons/strand/compiled/${capacity}`, groupOf(capacity), "message", `channel(${capacity}), spawn + send/receive`, (m, n) => m.prodcons(n as never, capacity as never) as Promise<number>, sum),
  ),
  compiledCase("fanin/strand/compiled", FANIN, "message", `channel(${CAPACITY}), ${PRODUCERS} spawned producers`, (m, n) => m.fanin(n as never, PRODUCERS as never, CAPACITY as never) as Promise<number>, (n) => n),
  compiledCase("spawn/strand/idle-compiled", IDLE, "task", "spawn + join loop, hoisted child", (m, n) => m.spawnIdle(n as never) as Promise<number>, (n) => n),
  compiledCase("mutex/strand/compiled", MUTEX, "acquisition", "new Mutex(); mutex.withLock(critical)", (m, n) => m.mutex(n as never, TASKS as never) as Promise<number>, (n) => n),
];
