import type { Random } from './random.js';

/** Ids and timestamps in the shapes each upstream writes them. */

/** A random UUID v4, as Factory's ids look. */
export function uuidV4(random: Random): string {
  const hex = random.hex(32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `prefix_` + 32 lowercase hex digits laid out as a UUIDv7 for `ms`. */
export function everrunsId(prefix: string, ms: number, random: Random): string {
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${prefix}_${time}7${random.hex(3)}${random.pick(['8', '9', 'a', 'b'])}${random.hex(15)}`;
}

/** Epoch microseconds as Everruns writes them: six fraction digits, `Z`. */
export function microsToEverrunsText(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const base = new Date(ms - (ms % 1000)).toISOString().slice(0, 19);
  return `${base}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
}

/** The epoch microseconds of a timestamp `microsToEverrunsText` wrote (NaN for anything else). */
export function everrunsTextToMicros(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})Z$/.exec(text);
  if (!match) return Number.NaN;
  return Date.parse(`${match[1]}Z`) * 1000 + Number(match[2]);
}

/** Now, in epoch microseconds (the sub-millisecond digits from `random`). */
export function nowMicros(random: Random): number {
  return Date.now() * 1000 + random.int(0, 999);
}

/** A 32-bit seed from text (FNV-1a): per-session randomness that does not depend on access order. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
