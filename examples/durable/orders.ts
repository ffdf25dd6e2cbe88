"use durable";
/**
 * Durable execution with the embedded store, in one command: three orders go
 * through reserve → (approval, for a large one) → charge → a long wait →
 * ship. Each side effect is a step, recorded in the store before the order goes
 * on; the approval is a signal; the wait is a sleep that survives restarts.
 *
 *   node --import strand/register examples/durable/orders.ts [orders.db] [ledger.txt]
 *
 * Kill it (even with kill -9) at any moment and run it again: the orders go on
 * from their last checkpoint, and no recorded step runs twice — the ledger
 * shows each reservation, charge and shipment once.
 */
import { appendFileSync } from "node:fs";
import { call, onTimeout, run, select, sleep, spawn } from "strand";
import { onSignal, openStore, result, runWorker, signal, start, step } from "strand/durable/store";

interface Order {
  id: string;
  item: string;
  qty: number;
  total: number;
}

const database = process.argv[2] ?? "orders.db";
const ledger = process.argv[3] ?? "orders.ledger";

/** The outside world: each call is a side effect, written to the ledger. */
function record(line: string): string {
  appendFileSync(ledger, `${line}\n`);
  return line;
}

export function* fulfil(order: Order) {
  yield* step(() => record(`reserved ${order.qty} × ${order.item} for ${order.id}`));
  if (order.total >= 100) {
    const approved = yield* select(onSignal((decision) => decision === "approve"), onTimeout(5_000, () => false));
    if (!approved) {
      yield* step(() => record(`released the reservation of ${order.id}`));
      return `${order.id}: not approved`;
    }
  }
  yield* step(() => record(`charged ${order.total} for ${order.id}`));
  yield* sleep(300); // a day, in a demo: a sleep in a durable coroutine survives restarts
  yield* step(() => record(`shipped ${order.id}`));
  return `${order.id}: charged ${order.total}, shipped`;
}

const orders: Order[] = [
  { id: "order-1", item: "tea", qty: 2, total: 12 },
  { id: "order-2", item: "teapot", qty: 1, total: 140 },
  { id: "order-3", item: "cups", qty: 6, total: 36 },
];

const store = await openStore(`sqlite:${database}`);
for (const order of orders) await start(store, fulfil, [order], { id: order.id }); // the id is an idempotency key: a rerun starts nothing new

await run(function* () {
  const worker = yield* spawn(() => runWorker({ store, poll: 10, lease: 1_000, name: "orders" }));
  yield* sleep(100);
  yield* call(() => signal(store, "order-2", "approve")); // someone approves the large order
  for (const order of orders) console.log(yield* call(() => result<string>(store, order.id, { poll: 10 })));
  yield* worker.cancel();
});
await store.close();
