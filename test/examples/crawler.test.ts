// The crawler example prints what its doc comment promises (virtual time), and
// map() makes it about half as long as the same crawler written by hand.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runTest } from "../../src/testing/index.js";
import type { Operation } from "../../src/index.js";
import { crawl, crawlByHand, crawlerDemo } from "../../examples/crawler.js";

function output(demo: (write: (line: string) => void) => Operation<void>): Promise<string[]> {
  const lines: string[] = [];
  return runTest(function* () {
    yield* demo((line) => lines.push(line));
    return lines;
  });
}

const expected = [
  "t= 10ms fetched /",
  "t= 30ms fetched /blog",
  "t= 35ms fetched /about",
  "t= 40ms fetched /docs",
  "t= 55ms fetched /docs/guide",
  "t= 80ms fetched /docs/api",
  "t= 80ms fetched /blog/1",
  "t= 90ms fetched /blog/2",
  "crawled 8 pages",
];

test("crawler: each level fetched two at a time, each page once", async () => {
  assert.deepEqual(await output(crawlerDemo), expected);
});

test("crawler: the hand-written version prints the same", async () => {
  const lines = await output(function* (write) {
    write(`crawled ${yield* crawlByHand("/", 2, write)} pages`);
  });
  assert.deepEqual(lines, expected);
  const again = await output(function* (write) {
    write(`crawled ${yield* crawl("/", 2, write)} pages`);
  });
  assert.deepEqual(again, expected);
});

test("crawler: with map it takes at most about half the lines", () => {
  const source = readFileSync(new URL("../../examples/crawler.ts", import.meta.url), "utf8");
  const lines = (name: string) => {
    const body = source.slice(source.indexOf(`// ${name}: begin`), source.indexOf(`// ${name}: end`));
    return body.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("//")).length;
  };
  const withMap = lines("crawl");
  const byHand = lines("crawlByHand");
  assert.ok(withMap * 2 <= byHand + 2, `crawl: ${withMap} lines, crawlByHand: ${byHand}`);
});
