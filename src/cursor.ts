import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What a cursor holds: scalars in positional arrays (keyed objects would spend bytes on keys). */
export type CursorValue = null | boolean | number | string | readonly CursorValue[];

/** The cursor key when `CURSOR_SECRET` is unset: cursors then resist edits but not deliberate forgery. */
export const DEFAULT_CURSOR_SECRET = 'sessiongraph cursors, unkeyed';

/** The connections that issue cursors, each with the kind byte that tells their cursors apart. */
export const CURSOR_KINDS = {
  sessions: 1,
  factorySessions: 2,
  everrunsSessions: 3,
  messages: 4,
  sessionEvents: 5,
} as const;
export type CursorConnection = keyof typeof CURSOR_KINDS;

/*
 * A cursor is base64url of: the format version (one byte), the connection's kind byte, its values
 * packed (below), and the first 8 bytes of an HMAC-SHA256 of all that under `CURSOR_SECRET`. An
 * edit anywhere fails the HMAC. The key is configuration, not per process: it survives restarts
 * and every replica or worker shares it, so any of them resumes any cursor.
 */
const VERSION = 2;
const TAG_BYTES = 8;
/** Longer texts are refused unread (a cursor may carry a 4 KB upstream cursor). */
const MAX_CURSOR_LENGTH = 8192;
/** How every version-1 cursor begins: base64url of `{"v":1,`. */
const V1_PREFIX = 'eyJ2IjoxL';

// Packing: one tag byte per value, then its bytes. Small integers and short arrays fit in the tag.
const NULL = 0x00;
const FALSE = 0x01;
const TRUE = 0x02;
const UINT = 0x03;
const NEGATIVE = 0x04;
const FLOAT = 0x05;
const UTF8 = 0x06;
const BASE64URL = 0x07;
const UUID = 0x08;
const HEX_TAIL = 0x09;
const ARRAY = 0x0a;
const JSON_TEXT = 0x0b;
const BASE64URL_JSON = 0x0c;
const OBJECT = 0x0d;
const SMALL_UINT = 0x40; // 0x40-0x7f: integers 0-63
const SMALL_ARRAY = 0x80; // 0x80-0x8f: arrays of 0-15 values
const MAX_DEPTH = 6;

type Scalar = null | boolean | number | string;
/** JSON one level deep: what live positions and many upstream cursors (base64url of it) are. */
type FlatJson = readonly Scalar[] | { readonly [key: string]: Scalar };

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL_SHAPE = /^[A-Za-z0-9_-]{8,}$/;
const BASE64URL_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The last string packed as JSON: a page's edges repeat their upstream page's cursor, whose unpacking
 * is most of an encode. A pure function's memo, so sharing it between requests reveals nothing.
 */
let lastJson: { readonly text: string; readonly packed: Buffer } | null = null;

/** Writes a packing into one buffer that grows as needed (cursors are encoded per edge: no garbage per field). */
class Writer {
  private buffer = Buffer.allocUnsafe(256);
  private offset = 0;

  byte(value: number): void {
    this.room(1);
    this.buffer[this.offset] = value;
    this.offset += 1;
  }

  varint(value: number): void {
    this.room(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.offset] = (rest % 0x80) | 0x80;
      this.offset += 1;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.offset] = rest;
    this.offset += 1;
  }

  /** Text as bytes (`encoding` says how it spells them), its byte count first. */
  text(value: string, encoding: 'utf8' | 'base64url'): void {
    const length = Buffer.byteLength(value, encoding);
    this.varint(length);
    this.room(length);
    this.offset += this.buffer.write(value, this.offset, length, encoding);
  }

  /** `text[from, to)`, lowercase hex, as its bytes: a loop here costs less than a native call per id. */
  hex(text: string, from: number, to: number): void {
    this.room((to - from) >> 1);
    for (let index = from; index < to; index += 2) {
      this.buffer[this.offset] = (nibble(text.charCodeAt(index)) << 4) | nibble(text.charCodeAt(index + 1));
      this.offset += 1;
    }
  }

  value(value: CursorValue, depth: number): void {
    if (value === null) this.byte(NULL);
    else if (typeof value === 'boolean') this.byte(value ? TRUE : FALSE);
    else if (typeof value === 'number') this.number(value);
    else if (typeof value === 'string') this.string(value, true);
    else {
      if (depth >= MAX_DEPTH) throw new Error('cursor values nest too deep');
      this.arrayHead(value.length);
      for (const item of value) this.value(item, depth + 1);
    }
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  private room(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  private arrayHead(length: number): void {
    if (length < 16) this.byte(SMALL_ARRAY | length);
    else {
      this.byte(ARRAY);
      this.varint(length);
    }
  }

  private number(value: number): void {
    if (Number.isSafeInteger(value) && value >= 0 && value < 64) this.byte(SMALL_UINT | value);
    else if (Number.isSafeInteger(value)) {
      this.byte(value >= 0 ? UINT : NEGATIVE);
      this.varint(Math.abs(value));
    } else {
      this.byte(FLOAT);
      this.room(8);
      this.offset = this.buffer.writeDoubleBE(value, this.offset);
    }
  }

  // Ids and upstream cursors are mostly hex, UUIDs, JSON or base64url: stored as what they hold, not their text.
  private string(value: string, unpackJson: boolean): void {
    if (value.length === 36 && UUID_SHAPE.test(value)) {
      this.byte(UUID);
      for (const [from, to] of UUID_GROUPS) this.hex(value, from, to);
      return;
    }
    if (unpackJson && lastJson?.text === value) {
      this.room(lastJson.packed.length);
      this.offset += lastJson.packed.copy(this.buffer, this.offset);
      return;
    }
    const start = this.offset;
    const json = unpackJson ? flatJson(value) : null;
    if (json) {
      this.byte(JSON_TEXT);
      this.json(json);
      lastJson = { text: value, packed: Buffer.from(this.buffer.subarray(start, this.offset)) };
      return;
    }
    const canonical = isCanonicalBase64url(value);
    // Base64url of `{` or `[` starts with `e` or `W`.
    const decodedJson =
      canonical && unpackJson && (value[0] === 'e' || value[0] === 'W')
        ? flatJson(Buffer.from(value, 'base64url').toString('utf8'))
        : null;
    const hex = hexTail(value);
    if (decodedJson && Buffer.from(JSON.stringify(decodedJson)).toString('base64url') === value) {
      this.byte(BASE64URL_JSON);
      this.json(decodedJson);
      lastJson = { text: value, packed: Buffer.from(this.buffer.subarray(start, this.offset)) };
    } else if (hex >= 16 && (!canonical || hex / 2 + (value.length - hex) < (value.length * 3) / 4)) {
      this.byte(HEX_TAIL);
      this.text(value.slice(0, value.length - hex), 'utf8');
      this.varint(hex / 2);
      this.hex(value, value.length - hex, value.length);
    } else if (canonical) {
      this.byte(BASE64URL);
      this.text(value, 'base64url');
    } else {
      this.byte(UTF8);
      this.text(value, 'utf8');
    }
  }

  // Strings inside packed JSON are not unpacked again: one level keeps decoding bounded.
  private json(json: FlatJson): void {
    if (isScalarList(json)) {
      this.arrayHead(json.length);
      for (const item of json) this.scalar(item);
      return;
    }
    const entries = Object.entries(json);
    this.byte(OBJECT);
    this.varint(entries.length);
    for (const [key, item] of entries) {
      this.string(key, false);
      this.scalar(item);
    }
  }

  private scalar(item: Scalar): void {
    if (typeof item === 'string') this.string(item, false);
    else this.value(item, 0);
  }
}

const UUID_GROUPS = [
  [0, 8],
  [9, 13],
  [14, 18],
  [19, 23],
  [24, 36],
] as const;

/** The value of a lowercase hex digit's character code. */
function nibble(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/** How many trailing characters are lowercase hex, rounded down to whole bytes. */
function hexTail(value: string): number {
  let count = 0;
  for (let index = value.length - 1; index >= 0; index -= 1) {
    const code = value.charCodeAt(index);
    if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) break;
    count += 1;
  }
  return count - (count % 2);
}

/** Whether decoding `value` as base64url and encoding the bytes again gives `value` back. */
function isCanonicalBase64url(value: string): boolean {
  const rest = value.length % 4;
  if (rest === 1 || !BASE64URL_SHAPE.test(value)) return false;
  // The last digit's bits past the final byte must be zero.
  const last = BASE64URL_DIGITS.indexOf(value.charAt(value.length - 1));
  return rest === 0 || (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** The flat JSON a text is exactly (as `JSON.stringify` writes it), else null. */
function flatJson(text: string): FlatJson | null {
  if (!text.startsWith('[') && !text.startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const json: FlatJson | null = isScalarList(parsed) ? parsed : isScalarRecord(parsed) ? parsed : null;
  return json && JSON.stringify(json) === text ? json : null;
}

function isScalarList(value: unknown): value is readonly Scalar[] {
  return Array.isArray(value) && value.every(isScalar);
}

function isScalarRecord(value: object): value is { readonly [key: string]: Scalar } {
  return !Array.isArray(value) && Object.values(value).every(isScalar);
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'boolean' ||
    typeof value === 'string' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Thrown inside {@link Reader} for bytes that are not a packing; never leaves this module. */
class Malformed extends Error {}

class Reader {
  private offset: number;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
  ) {
    this.offset = start;
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  byte(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new Malformed();
    this.offset += 1;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let index = 0; index < 8; index += 1) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new Malformed();
        return value;
      }
      scale *= 0x80;
    }
    throw new Malformed();
  }

  take(length: number): Buffer {
    if (length > this.bytes.length - this.offset) throw new Malformed();
    const slice = Buffer.from(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return slice;
  }

  value(depth: number): CursorValue {
    const tag = this.byte();
    if (tag >= SMALL_ARRAY && tag < SMALL_ARRAY + 16) return this.array(tag - SMALL_ARRAY, depth);
    if (tag >= SMALL_UINT && tag < SMALL_ARRAY) return tag - SMALL_UINT;
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case UINT:
        return this.varint();
      case NEGATIVE:
        return -this.varint();
      case FLOAT:
        return this.take(8).readDoubleBE();
      case UTF8:
        return this.take(this.varint()).toString('utf8');
      case BASE64URL:
        return this.take(this.varint()).toString('base64url');
      case UUID: {
        const hex = this.take(16).toString('hex');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      }
      case HEX_TAIL: {
        const prefix = this.take(this.varint()).toString('utf8');
        return prefix + this.take(this.varint()).toString('hex');
      }
      case ARRAY:
        return this.array(this.varint(), depth);
      case JSON_TEXT:
        return JSON.stringify(this.json(depth));
      case BASE64URL_JSON:
        return Buffer.from(JSON.stringify(this.json(depth))).toString('base64url');
      default:
        throw new Malformed();
    }
  }

  private json(depth: number): FlatJson {
    if (this.bytes[this.offset] !== OBJECT) {
      const list = this.value(depth + 1);
      if (!isScalarList(list)) throw new Malformed();
      return list;
    }
    this.offset += 1;
    const length = this.varint();
    if (length > this.bytes.length - this.offset) throw new Malformed();
    const record: { [key: string]: Scalar } = {};
    for (let index = 0; index < length; index += 1) {
      const key = this.value(depth + 2);
      const item = this.value(depth + 2);
      if (typeof key !== 'string' || !isScalar(item) || Object.hasOwn(record, key)) throw new Malformed();
      Object.defineProperty(record, key, { value: item, enumerable: true, writable: true, configurable: true });
    }
    return record;
  }

  private array(length: number, depth: number): CursorValue[] {
    if (depth >= MAX_DEPTH || length > this.bytes.length - this.offset) throw new Malformed();
    return Array.from({ length }, () => this.value(depth + 1));
  }
}

/** Packs values as a cursor body stores them (after its version and kind bytes). */
export function packValues(values: readonly CursorValue[]): Buffer {
  const writer = new Writer();
  for (const value of values) writer.value(value, 0);
  return writer.finish();
}

/** The values {@link packValues} packed into `bytes` from `start` on; null for bytes it did not write. */
export function unpackValues(bytes: Uint8Array, start = 0): CursorValue[] | null {
  const reader = new Reader(bytes, start);
  const values: CursorValue[] = [];
  try {
    while (!reader.done) values.push(reader.value(0));
  } catch (error) {
    if (error instanceof Malformed) return null;
    throw error;
  }
  return values;
}

/** Why a text is not a cursor of a connection: from an older version, or not one this gateway issued. */
export type CursorRefusal = 'older' | 'foreign';

/** Signs and checks cursors with one key (`CURSOR_SECRET`). */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(connection: CursorConnection, values: readonly CursorValue[]): string {
    const writer = new Writer();
    writer.byte(VERSION);
    writer.byte(CURSOR_KINDS[connection]);
    for (const value of values) writer.value(value, 0);
    const body = writer.finish();
    return Buffer.concat([body, this.tag(body)]).toString('base64url');
  }

  /** The values of a cursor this gateway issued for `connection` under this key, untouched; else why not. */
  decode(connection: CursorConnection, text: string): CursorValue[] | CursorRefusal {
    if (text.length > MAX_CURSOR_LENGTH) return 'foreign';
    if (text.startsWith(V1_PREFIX)) return 'older';
    const bytes = Buffer.from(text, 'base64url');
    // Base64url decoding skips stray characters: only the exact text this gateway wrote passes.
    if (bytes.length < 2 + TAG_BYTES || bytes.toString('base64url') !== text) return 'foreign';
    if (bytes[0] !== VERSION || bytes[1] !== CURSOR_KINDS[connection]) return 'foreign';
    const body = bytes.subarray(0, bytes.length - TAG_BYTES);
    if (!timingSafeEqual(this.tag(body), bytes.subarray(bytes.length - TAG_BYTES))) return 'foreign';
    return unpackValues(body, 2) ?? 'foreign';
  }

  private tag(body: Uint8Array): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, TAG_BYTES);
  }
}

/** A short digest of what a cursor is bound to (a filter, a session): 8 base64url characters, packed as 6 bytes. */
export function scopeDigest(parts: readonly CursorValue[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 8);
}
