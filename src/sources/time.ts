/**
 * Timestamps at full precision: upstreams send RFC 3339 strings with up to microseconds, or
 * integer milliseconds; all order on one axis of epoch microseconds, which stays exact in a
 * double until the year 2255. `Date` keeps milliseconds only, hence this file.
 */

/** An RFC 3339 date-time: date, time, 1-9 fraction digits, then `Z` or a `±hh:mm` offset. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** 400 Gregorian years, in milliseconds: the calendar repeats after them. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Epoch microseconds of an RFC 3339 date-time (`2026-11-20T13:51:01.038387Z`, `...+02:00`);
 * digits past the sixth are dropped. NaN when the text is not one: the wrong shape, a date
 * that does not exist (Feb 30), an hour past 23, a leap second, an offset past 23:59.
 * `Date` keeps milliseconds only, so the fraction is added here.
 */
export function rfc3339ToMicros(text: string): number {
  const match = RFC3339.exec(text);
  if (match === null) return Number.NaN;
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, sign, offsetHours, offsetMinutes] =
    match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const zoneHours = Number(offsetHours ?? 0);
  const zoneMinutes = Number(offsetMinutes ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    zoneHours > 23 ||
    zoneMinutes > 59
  ) {
    return Number.NaN;
  }
  // Date.UTC reads years 0-99 as 1900-1999; the Gregorian calendar repeats every 400 years.
  const ms = Date.UTC(year + 400, month - 1, day, hour, minute, second) - FOUR_CENTURIES_MS;
  const offsetMs = (sign === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000;
  return (ms - offsetMs) * 1000 + Number((fraction ?? '').padEnd(6, '0').slice(0, 6));
}

/** True when `text` is an RFC 3339 date-time with a time zone (see `rfc3339ToMicros`). */
export function isRfc3339(text: string): boolean {
  return !Number.isNaN(rfc3339ToMicros(text));
}

/**
 * The same instant as UTC text ending in `Z`, keeping the given fraction digits.
 * Upstream strings already in UTC are returned as they are (the common case costs nothing).
 */
export function toUtcText(text: string): string {
  if (text.endsWith('Z')) return text;
  const micros = rfc3339ToMicros(text);
  if (Number.isNaN(micros)) return text;
  return microsToText(micros, RFC3339.exec(text)?.[7]?.length ?? 0);
}

/** Formats epoch microseconds as RFC 3339 UTC with `digits` fraction digits (0-6). */
export function microsToText(micros: number, digits = 6): string {
  const ms = Math.floor(micros / 1000);
  const base = new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
  if (digits === 0) return `${base}Z`;
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${base}.${fraction.slice(0, Math.min(digits, 6))}Z`;
}
