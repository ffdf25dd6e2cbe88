// Fuzzing the decoder: truncated, bit-flipped, spliced and mutated snapshots
// (with and without a recomputed checksum, so the body parser itself is fed
// garbage) and random bytes. Whatever the input, decode and inspectHeader
// either return or throw a SnapshotError: never another error, never a crash
// or a hang. Inputs the checksum must catch (truncations, bit flips, random
// bytes) must all be refused.
//
// 10^4 inputs by default, 10^5 with STRAND_STRESS=1. The seed is fixed and
// printed with any failure; STRAND_FUZZ_SEED=<n> replays or varies it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, inspectHeader } from "../../src/durable/serialize.js";
import { closure, registerClass, registerClosureFactory, registerFunction, registerType } from "../../src/durable/registry.js";
import { SnapshotError } from "../../src/durable/errors.js";
import { crc32 } from "../../src/durable/checksum.js";

const SEED = Number(process.env.STRAND_FUZZ_SEED ?? 0x5eed);
const COUNT = process.env.STRAND_STRESS === "1" ? 100_000 : 10_000;

/** mulberry32: a small seeded generator, so a failing input can be replayed from the seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Account {
  constructor(
    public owner: string,
    public balance: bigint,
  ) {}
}
registerClass("fuzz/Account", Account, "a1");
class Token {
  #secret: string;
  constructor(secret: string) {
    this.#secret = secret;
  }
  get secret(): string {
    return this.#secret;
  }
}
registerType(Token, { serialize: (t) => ({ s: t.secret }), deserialize: (d) => new Token((d as { s: string }).s) }, "fuzz/Token");
function audit(): void {}
registerFunction("fuzz/audit", audit, "f1");
const makeTick = (env: { n: number; self?: unknown }) => closure(() => ++env.n, "fuzz/tick", [env]);
registerClosureFactory("fuzz/tick", makeTick);

function corpus(): Uint8Array[] {
  const shared = { id: 7, tags: ["a", "b"] };
  const env: { n: number; self?: unknown } = { n: 1 };
  env.self = makeTick(env);
  const buffer = new ArrayBuffer(24);
  const sparse: unknown[] = [];
  sparse[50] = "x";
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const rich = {
    numbers: [0, 1, 127, 128, -5, 2 ** 40, 1.5, -0, NaN, Infinity],
    strings: ["", "ascii", "héllo", "😀", "lone \uD800", "x".repeat(100)],
    bigints: [0n, -(2n ** 70n)],
    symbols: [Symbol.for("k"), Symbol.iterator],
    shared,
    again: shared,
    nested: { deep: [[{ deeper: [shared] }]] },
    holes: [1, , 3],
    sparse,
    extra: Object.assign([1], { label: "x" }),
    nullProto: Object.assign(Object.create(null) as object, { a: 1 }),
    date: new Date(1_700_000_000_000),
    regexp: /ab+c/gi,
    map: new Map<unknown, unknown>([[shared, 1], ["k", cyclic]]),
    set: new Set([1, shared]),
    views: [new Uint8Array(buffer, 4, 8), new Float64Array(buffer, 8, 2), new DataView(buffer)],
    error: new RangeError("bad", { cause: shared }),
    aggregate: new AggregateError([new Error("e")], "agg"),
    boxed: [new Number(1), new String("s")],
    account: new Account("ann", 10n ** 20n),
    token: new Token("secret"),
    audit,
    tick: env.self,
    args: (function (..._: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      return arguments;
    })(1, "two"),
  };
  return [
    encode(rich),
    encode(rich, { sign: KEY }),
    encode({ a: 1, b: [true, null, undefined] }),
    encode([shared, shared, { shared }]),
    encode(env.self),
    encode("just a string"),
  ];
}

const KEY = new Uint8Array(32).fill(9);

function inspectsSigned(bytes: Uint8Array): boolean {
  return inspectHeader(bytes).signed;
}

function withChecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

// What each strategy makes, and whether the checksum must refuse it.
const STRATEGIES: { name: string; mustFail: boolean; make: (random: () => number, sample: Uint8Array, other: Uint8Array) => Uint8Array }[] = [
  { name: "truncated", mustFail: true, make: (random, s) => s.slice(0, Math.floor(random() * s.length)) },
  {
    name: "bit-flipped",
    mustFail: true,
    make: (random, s) => {
      const copy = s.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) copy[Math.floor(random() * copy.length)]! ^= 1 << Math.floor(random() * 8);
      // Flips that cancel out leave the snapshot intact: flip one more bit that no other flip touched.
      if (copy.every((b, i) => b === s[i])) copy[0]! ^= 1;
      return copy;
    },
  },
  { name: "random bytes", mustFail: true, make: (random) => Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)) },
  {
    name: "mutated body, checksum fixed",
    mustFail: false,
    make: (random, s) => {
      let bytes = Array.from(s.subarray(0, s.length - 4));
      const edits = 1 + Math.floor(random() * 4);
      for (let i = 0; i < edits; i++) {
        const at = 6 + Math.floor(random() * Math.max(1, bytes.length - 6));
        const kind = random();
        if (kind < 0.5) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.65) bytes[at] = [0x00, 0x0d, 0x11, 0x1e, 0x7f, 0x80, 0xff][Math.floor(random() * 7)]!;
        else if (kind < 0.8) bytes.splice(at, 1);
        else bytes.splice(at, 0, Math.floor(random() * 256));
      }
      bytes = bytes.concat([0, 0, 0, 0]);
      return withChecksum(Uint8Array.from(bytes));
    },
  },
  {
    name: "spliced snapshots, checksum fixed",
    mustFail: false,
    make: (random, s, o) => {
      const cut = Math.floor(random() * s.length);
      const from = Math.floor(random() * o.length);
      return withChecksum(Uint8Array.from([...s.subarray(0, cut), ...o.subarray(from), 0, 0, 0, 0]));
    },
  },
  {
    name: "a header and a random body, checksum fixed",
    mustFail: false,
    make: (random) => withChecksum(Uint8Array.from([0x53, 0x54, 0x52, 0x44, 1, 0, 0, ...Array.from({ length: Math.floor(random() * 60) }, () => Math.floor(random() * 256)), 0, 0, 0, 0])),
  },
];

test(`the decoder throws only SnapshotError on ${COUNT} malformed inputs (seed ${SEED})`, { timeout: 600_000 }, (t) => {
  const random = generator(SEED);
  const samples = corpus();
  for (const sample of samples) assert.doesNotThrow(() => decode(sample, inspectHeader(sample).signed ? { verify: KEY } : {}), "the corpus itself decodes");
  const outcomes = new Map<string, { refused: number; decoded: number }>();
  for (let i = 0; i < COUNT; i++) {
    const strategy = STRATEGIES[Math.floor(random() * STRATEGIES.length)]!;
    const sample = samples[Math.floor(random() * samples.length)]!;
    const other = samples[Math.floor(random() * samples.length)]!;
    const input = strategy.make(random, sample, other);
    // The key for what was signed (a mutation then fails its signature), and now and then for what was not.
    const verify = inspectsSigned(sample) || random() < 0.1 ? { verify: KEY } : {};
    const where = () => `input #${i} (${strategy.name}) of seed ${SEED}: ${Buffer.from(input).toString("hex")}`;
    const outcome = outcomes.get(strategy.name) ?? { refused: 0, decoded: 0 };
    outcomes.set(strategy.name, outcome);
    const runs: [string, () => unknown][] = [
      ["inspectHeader", () => inspectHeader(input)],
      ["decode", () => decode(input, verify)],
    ];
    for (const [call, run] of runs) {
      let accepted = false;
      try {
        run();
        accepted = true;
      } catch (error) {
        if (!(error instanceof SnapshotError)) {
          assert.fail(`${call} of ${where()} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a SnapshotError`);
        }
      }
      if (accepted && strategy.mustFail) assert.fail(`${call} accepted ${where()}: the checksum must refuse it`);
      if (call === "decode") {
        if (accepted) outcome.decoded++;
        else outcome.refused++;
      }
    }
  }
  for (const [name, { refused, decoded }] of outcomes) t.diagnostic(`${name}: ${refused} refused, ${decoded} accepted`);
  // Every strategy ran, and the mutations reached the parser (some decoded, some were refused by it).
  assert.equal(outcomes.size, STRATEGIES.length);
  for (const { name, mustFail } of STRATEGIES) {
    const outcome = outcomes.get(name)!;
    assert.ok(outcome.refused > 0, `${name}: nothing refused`);
    if (mustFail) assert.equal(outcome.decoded, 0, `${name}: some accepted`);
  }
});
