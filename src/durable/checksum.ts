/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320, reflected), the
 * checksum every snapshot ends with. It detects every single-bit and
 * double-bit error and every burst of up to 32 bits, so a corrupted snapshot is
 * refused instead of restoring a silently different state. Not a defence
 * against forgery: that is what signing is for.
 *
 * Slicing-by-8: eight 256-entry tables let the loop fold eight bytes per step
 * (about 4x the speed of the byte-at-a-time loop on V8).
 */

const TABLES = makeTables();

function makeTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let t = 1; t < 8; t++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[t * 256 + n] = c;
    }
  }
  return tables;
}

/** Whether this machine stores a 32-bit word little-end first (every JavaScript host we know does). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Eight bytes at once (slicing-by-8): `lo` is the first four already xored with the crc, `hi` the next four. */
function fold(t: typeof TABLES, lo: number, hi: number): number {
  return (
    t[1792 + (lo & 0xff)]! ^
    t[1536 + ((lo >>> 8) & 0xff)]! ^
    t[1280 + ((lo >>> 16) & 0xff)]! ^
    t[1024 + (lo >>> 24)]! ^
    t[768 + (hi & 0xff)]! ^
    t[512 + ((hi >>> 8) & 0xff)]! ^
    t[256 + ((hi >>> 16) & 0xff)]! ^
    t[hi >>> 24]!
  );
}

/**
 * The CRC-32 of `bytes[start, end)`, as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let crc = -1;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= 16) {
    // Up to a word boundary byte by byte, then eight bytes at a time as two words.
    for (; ((bytes.byteOffset + i) & 3) !== 0; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, ((end - i) >>> 3) << 1);
    for (let w = 0; w < words.length; w += 2) {
      const lo = crc ^ words[w]!;
      const hi = words[w + 1]!;
      crc = fold(t, lo, hi);
    }
    i += words.length * 4;
  } else {
    for (const last8 = end - 8; i <= last8; i += 8) {
      const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
      const hi = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
      crc = fold(t, lo, hi);
    }
  }
  for (; i < end; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
