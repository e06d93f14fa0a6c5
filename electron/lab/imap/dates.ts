/** IMAP date formats (RFC 3501 §9): date-time for INTERNALDATE/APPEND, date for SEARCH. */
import { ParseError } from './errors.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "29-Nov-2026 02:10:00 +0000" (always UTC: the lab has no reason to guess a zone). */
export function formatInternalDate(d: Date): string {
  return `${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function month(name: string): number {
  const i = MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new ParseError(`Invalid month ${JSON.stringify(name)}`);
  return i;
}

/** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE (quotes removed). */
export function parseDateTime(s: string): Date {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (!m) throw new ParseError(`Invalid date-time ${JSON.stringify(s)}`);
  const utc = Date.UTC(Number(m[3]), month(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '+' ? 1 : -1);
  return new Date(utc - offset * 60_000);
}

/** date = date-text / DQUOTE date-text DQUOTE; "1-Feb-1994". Returns the UTC day start. */
export function parseDate(s: string): Date {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (!m) throw new ParseError(`Invalid date ${JSON.stringify(s)}`);
  return new Date(Date.UTC(Number(m[3]), month(m[2]), Number(m[1])));
}

/** RFC 5322 §3.3 date in a Date header: optional day name, day, month name, year (two or three digits in the obsolete form, §4.3). */
const HEADER_DATE = /^\s*(?:[A-Za-z]+\s*,?\s*)?(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{2,4})(?:\s|$)/;

/**
 * The calendar day a Date header names, as the UTC midnight of that day, or null when it
 * names none. SENTBEFORE/SENTON/SENTSINCE compare this day "disregarding time and timezone"
 * (RFC 3501 §6.4.4): "Sun, 25 Mar 2007 00:00:00 +0200" is on 25 March, though it is 24 March in UTC.
 */
export function headerDay(value: string): number | null {
  const m = HEADER_DATE.exec(value);
  if (!m) return null;
  const mon = MONTHS.findIndex((name) => name.toLowerCase() === m[2].toLowerCase());
  if (mon < 0) return null;
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const day = Number(m[1]);
  const t = Date.UTC(year, mon, day);
  return new Date(t).getUTCDate() === day ? t : null; // "31 Feb" names no day
}

/** The UTC day (ms at 00:00) of a date, for SEARCH BEFORE/ON/SINCE (RFC 3501 ignores time and zone). */
export function dayOf(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
