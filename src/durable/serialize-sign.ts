/**
 * Signing snapshots: HMAC-SHA256 with a key (computed synchronously in pure
 * JavaScript by @noble/hashes, so it runs in browsers too), or a signer the
 * caller plugs in (an asymmetric signature, a key service).
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * A pluggable signature scheme: `sign` returns the signature of the bytes,
 * `verify` says whether a signature matches them.
 */
export interface Signer {
  sign(bytes: Uint8Array): Uint8Array;
  verify(bytes: Uint8Array, signature: Uint8Array): boolean;
}

/** Compares two byte strings in time independent of where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The built-in scheme: HMAC-SHA256 under `key`. */
export function hmacSigner(key: Uint8Array): Signer {
  const ownKey = key.slice(); // a later change to the caller's array must not change the key
  return {
    sign: (bytes) => hmac(sha256, ownKey, bytes),
    verify: (bytes, signature) => constantTimeEqual(hmac(sha256, ownKey, bytes), signature),
  };
}

/**
 * The signer an option names: a key (a non-empty Uint8Array) for HMAC-SHA256,
 * or a `Signer`. Anything else is a TypeError naming `name`.
 */
export function toSigner(what: string, name: string, option: unknown, method: "sign" | "verify"): Signer {
  if (option instanceof Uint8Array) {
    if (option.length === 0) throw new TypeError(`${what}: ${name} is an empty key; pass a key of at least 32 random bytes`);
    return hmacSigner(option);
  }
  if (typeof option === "object" && option !== null && typeof (option as Partial<Signer>)[method] === "function") return option as Signer;
  throw new TypeError(`${what}: ${name} must be a key (a Uint8Array) or an object with a ${method}() method`);
}
