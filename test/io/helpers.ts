// Shared by the I/O tests: what is open now, and temp dirs that are removed.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

/**
 * The kinds of libuv handles Strand's I/O handles hold (timers are left out:
 * tests use them). Files hold descriptors rather than libuv handles: the
 * descriptor count covers them.
 */
const KINDS = new Set(["TCPSocketWrap", "TCPServerWrap", "PipeWrap", "PipeServerWrap", "ProcessWrap", "FileHandle", "TTYWrap"]);

/**
 * Waits until libuv has run its close callbacks: a closed handle's descriptor
 * is gone at once, but libuv lists the handle until its close phase, which
 * comes between two check phases (setImmediate).
 */
export async function closePhase(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** tsx's cache folder: on Node ≥ 22 tsx holds a descriptor on it that it closes when it likes. */
const tsxCache = join(tmpdir(), "tsx-");

/** The process's open file descriptors, less tsx's own (not ours to count). */
function descriptors(): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return !readlinkSync(`/proc/self/fd/${fd}`).startsWith(tsxCache);
    } catch {
      return true; // closed since it was listed (the listing's own descriptor)
    }
  }).length;
}

/** What is open now: the libuv resources of the kinds handles hold, and the process's file descriptors. */
export async function openNow(): Promise<{ resources: string[]; fds: number }> {
  await closePhase(); // what earlier tests closed is gone
  const resources = process.getActiveResourcesInfo().filter((kind) => KINDS.has(kind)).sort();
  return { resources, fds: descriptors() };
}

/** A fresh temp dir, and its removal. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "strand-io-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Asserts that what `before` saw open is what is open now: descriptors at once, libuv's handles after its close phase. */
export async function assertNothingLeftOpen(before: { resources: string[]; fds: number }): Promise<void> {
  const fds = descriptors();
  const now = await openNow();
  assert.deepEqual({ resources: now.resources, fds }, before, "something was left open");
}

/** Waits a turn of the event loop: for polling state outside the runtime (the OS's) until a condition holds. */
export function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
