/**
 * Timestamps at full precision. Everruns sends RFC 3339 strings with microseconds,
 * Factory sends integer milliseconds; both order on one axis of epoch microseconds,
 * which stays exact in a double until the year 2255.
 */

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** True when `text` is an RFC 3339 date-time with a time zone. */
export function isRfc3339(text: string): boolean {
  const match = RFC3339.exec(text);
  return match !== null && !Number.isNaN(Date.parse(`${match[1]}T${match[2]}Z`));
}

/**
 * Epoch microseconds of an RFC 3339 string; digits past the sixth are dropped.
 * Returns NaN when the text is not RFC 3339.
 */
export function rfc3339ToMicros(text: string): number {
  const match = RFC3339.exec(text);
  if (!match) return Number.NaN;
  const zone = match[4] === 'Z' || match[4] === 'z' ? 'Z' : (match[4] ?? 'Z');
  const seconds = Date.parse(`${match[1]}T${match[2]}${zone}`);
  const fraction = Number(`${match[3] ?? ''}000000`.slice(0, 6));
  return seconds * 1000 + fraction;
}

/**
 * The same instant as UTC text ending in `Z`, keeping the given fraction digits.
 * Upstream strings already in UTC are returned as they are (the common case costs nothing).
 */
export function toUtcText(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  if (last === 90 /* Z */) return text;
  const match = RFC3339.exec(text);
  if (!match) return text;
  const digits = match[3]?.length ?? 0;
  return microsToText(rfc3339ToMicros(text), digits);
}

/** Formats epoch microseconds as RFC 3339 UTC with `digits` fraction digits (0-6). */
export function microsToText(micros: number, digits = 6): string {
  const ms = Math.floor(micros / 1000);
  const base = new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
  if (digits === 0) return `${base}Z`;
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${base}.${fraction.slice(0, Math.min(digits, 6))}Z`;
}
