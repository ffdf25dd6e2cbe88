/**
 * A crawler: fetches a small site level by level, at most two pages at a time,
 * visiting each page once. `crawl` is written with `map(items, body,
 * { concurrency })`; `crawlByHand` does the same with a semaphore, spawned
 * tasks and a results array, in about twice the lines (the examples test
 * checks that both print the same, and counts their lines).
 *
 * Pages take virtual time to fetch (their latency below), so under `runTest`
 * the output is exact; run on its own it takes about a quarter of a second.
 *
 * Run it on its own: `npx tsx examples/crawler.ts`
 */
import { fileURLToPath } from "node:url";
// In your own project: import { ... } from "strand";
import { main, map, now, scoped, sleep, spawn, type Operation, type Task } from "../src/index.js";
import { Semaphore } from "../src/sync/index.js";

/** The site: each page's links and how long it takes to fetch, in ms. */
const site: Record<string, { links: string[]; latency: number }> = {
  "/": { links: ["/docs", "/blog", "/about"], latency: 10 },
  "/docs": { links: ["/docs/api", "/docs/guide", "/"], latency: 30 },
  "/blog": { links: ["/blog/1", "/blog/2", "/about"], latency: 20 },
  "/about": { links: ["/"], latency: 5 },
  "/docs/api": { links: ["/docs/guide"], latency: 40 },
  "/docs/guide": { links: ["/docs/api", "/blog/1"], latency: 15 },
  "/blog/1": { links: ["/blog/2"], latency: 25 },
  "/blog/2": { links: [], latency: 10 },
};

/** Fetches one page and returns its links. */
function* fetchPage(url: string, write: (line: string) => void): Operation<string[]> {
  const page = site[url]!;
  yield* sleep(page.latency);
  write(`t=${String(Math.round(yield* now())).padStart(3)}ms fetched ${url}`);
  return page.links;
}

// crawl: begin
export function* crawl(start: string, limit: number, write: (line: string) => void): Operation<number> {
  const seen = new Set([start]);
  let frontier = [start];
  while (frontier.length > 0) {
    const links = yield* map(frontier, (url) => fetchPage(url, write), { concurrency: limit });
    frontier = links.flat().filter((url) => !seen.has(url) && seen.add(url));
  }
  return seen.size;
}
// crawl: end

// crawlByHand: begin
export function* crawlByHand(start: string, limit: number, write: (line: string) => void): Operation<number> {
  const seen = new Set([start]);
  let frontier = [start];
  const permits = new Semaphore(limit);
  while (frontier.length > 0) {
    const links: string[][] = [];
    yield* scoped(function* () {
      const tasks: Task<void>[] = [];
      for (const [index, url] of frontier.entries()) {
        yield* permits.acquire();
        const task = yield* spawn(function* () {
          try {
            links[index] = yield* fetchPage(url, write);
          } finally {
            permits.release();
          }
        });
        tasks.push(task);
      }
      for (const task of tasks) yield* task;
    });
    frontier = links.flat().filter((url) => !seen.has(url) && seen.add(url));
  }
  return seen.size;
}
// crawlByHand: end

/** The demo: crawls the site from "/" and prints each fetch and the total. */
export function* crawlerDemo(write: (line: string) => void): Operation<void> {
  const pages = yield* crawl("/", 2, write);
  write(`crawled ${pages} pages`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(function* () {
    yield* crawlerDemo((line) => console.log(line));
  });
}
