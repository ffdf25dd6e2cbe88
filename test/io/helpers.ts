// Shared by the I/O tests: what is open now, and temp dirs that are removed.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

/** The kinds of libuv resources a handle holds (timers and the like are left out: tests use them). */
const KINDS = new Set(["TCPSocketWrap", "TCPServerWrap", "PipeWrap", "PipeServerWrap", "ProcessWrap", "FSReqCallback", "FileHandle", "TTYWrap"]);

/**
 * Waits until libuv has run its close callbacks: a closed handle's descriptor
 * is gone at once, but libuv lists the handle until its close phase, which
 * comes between two check phases (setImmediate).
 */
export async function closePhase(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** What is open now: the libuv resources of the kinds handles hold, and the process's file descriptors. */
export function openNow(): { resources: string[]; fds: number } {
  const resources = process.getActiveResourcesInfo().filter((kind) => KINDS.has(kind)).sort();
  return { resources, fds: readdirSync("/proc/self/fd").length };
}

/** A fresh temp dir, and its removal. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "strand-io-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Asserts that what `before` saw open is what is open now: descriptors at once, libuv's handles after its close phase. */
export async function assertNothingLeftOpen(before: { resources: string[]; fds: number }): Promise<void> {
  const fds = readdirSync("/proc/self/fd").length;
  await closePhase();
  const now = openNow();
  assert.deepEqual({ resources: now.resources, fds }, before, "something was left open");
}
