/**
 * Timestamps at full precision: upstreams send RFC 3339 strings with up to microseconds, or
 * integer milliseconds; all order on one axis of epoch microseconds, which stays exact in a
 * double until the year 2255. `Date` keeps milliseconds only, hence this file.
 */

/** `0`..`9` as a number, anything else as -1. */
function digit(text: string, at: number): number {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : -1;
}

/** The number written by the two digits at `at`, or -1 when one of them is not a digit. */
function twoDigits(text: string, at: number): number {
  const high = text.charCodeAt(at) - 48;
  const low = text.charCodeAt(at + 1) - 48;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * Epoch microseconds of an RFC 3339 date-time (`2026-11-20T13:51:01.038387Z`, `...+02:00`);
 * digits past the sixth are dropped. NaN when the text is not one: the wrong shape, a date
 * that does not exist (Feb 30), an hour past 23, a leap second, an offset past 23:59.
 * One pass over the characters, without a regular expression's match arrays: every request
 * reads ~160 of them per page of microsecond times (docs/performance.md, "Microsecond timestamps").
 */
export function rfc3339ToMicros(text: string): number {
  const length = text.length;
  if (length < 20) return Number.NaN;
  // Two digits at a time, without a digit loop.
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const year = century * 100 + yearOfCentury;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const t = text.charCodeAt(10);
  if (
    century < 0 ||
    yearOfCentury < 0 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    month < 1 ||
    month > 12 ||
    text.charCodeAt(7) !== 45 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    (t !== 84 /* T */ && t !== 116) /* t */ ||
    hour < 0 ||
    hour > 23 ||
    text.charCodeAt(13) !== 58 /* : */ ||
    minute < 0 ||
    minute > 59 ||
    text.charCodeAt(16) !== 58 ||
    second < 0 ||
    second > 59
  ) {
    return Number.NaN;
  }
  let at = 19;
  let fraction = 0;
  if (text.charCodeAt(at) === 46 /* . */) {
    const first = at + 1;
    at = first;
    for (let d = digit(text, at); d >= 0; d = digit(text, ++at)) if (at - first < 6) fraction = fraction * 10 + d;
    const count = at - first;
    if (count < 1 || count > 9) return Number.NaN;
    for (let i = count; i < 6; i++) fraction *= 10;
  }
  const zone = text.charCodeAt(at);
  let offsetMinutes = 0;
  if (zone === 90 /* Z */ || zone === 122 /* z */) {
    if (at + 1 !== length) return Number.NaN;
  } else if (zone === 43 /* + */ || zone === 45 /* - */) {
    const hours = twoDigits(text, at + 1);
    const minutes = twoDigits(text, at + 4);
    if (at + 6 !== length || hours < 0 || hours > 23 || text.charCodeAt(at + 3) !== 58 || minutes < 0 || minutes > 59) {
      return Number.NaN;
    }
    offsetMinutes = (zone === 43 ? 1 : -1) * (hours * 60 + minutes);
  } else {
    return Number.NaN;
  }
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + (minute - offsetMinutes) * 60 + second;
  return seconds * 1_000_000 + fraction;
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
  if (text.charCodeAt(text.length - 1) === 90 /* Z */) return text;
  const micros = rfc3339ToMicros(text);
  if (Number.isNaN(micros)) return text;
  let digits = 0;
  if (text.charCodeAt(19) === 46 /* . */) while (digit(text, 20 + digits) >= 0) digits += 1;
  return microsToText(micros, digits);
}

/** `00`..`99`. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));
/** 10000-01-01T00:00:00Z: before it every year has four digits. */
const YEAR_10000_MS = 253_402_300_800_000;

/**
 * Epoch milliseconds as `Date#toISOString` writes them, by arithmetic rather than a `Date`: a
 * list page formats 100 of Factory's instants (docs/performance.md, "Epoch milliseconds as text").
 */
export function epochMsToText(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  // H. Hinnant's civil_from_days, for days since 1970-01-01.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const fraction = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : `${millis}`;
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${fraction}Z`;
}

/** Formats epoch microseconds as RFC 3339 UTC with `digits` fraction digits (0-6). */
export function microsToText(micros: number, digits = 6): string {
  const ms = Math.floor(micros / 1000);
  const base = epochMsToText(ms - (((ms % 1000) + 1000) % 1000)).slice(0, 19);
  if (digits === 0) return `${base}Z`;
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${base}.${fraction.slice(0, Math.min(digits, 6))}Z`;
}
