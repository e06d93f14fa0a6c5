/** What an mbox says about a message outside its bytes: the "From " line date and the Status / X-Status flags. */

/** "From sender Tue Nov 24 10:00:00 2026" → Date (UTC, as mbox writers use local time without zone). */
export function asctimeDate(line: string): Date | null {
  const m = /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))? +(?:[A-Z]{3,4} +)?(\d{4})/.exec(line);
  if (!m) return null;
  const month = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[2]!) / 3;
  const d = new Date(Date.UTC(Number(m[7]), month, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Flags from the Status (R) and X-Status (A, F, D, T) headers mutt, Thunderbird and c-client write. */
export function statusFlags(raw: Buffer | string): string[] {
  let head: string;
  if (typeof raw === 'string') {
    const end = raw.indexOf('\r\n\r\n');
    head = end === -1 ? raw : raw.slice(0, end);
  } else {
    const end = raw.indexOf('\r\n\r\n');
    head = raw.toString('latin1', 0, end === -1 ? raw.length : end);
  }
  const flags: string[] = [];
  const status = /^Status:[ \t]*(\S*)/im.exec(head)?.[1] ?? '';
  const xstatus = /^X-Status:[ \t]*(\S*)/im.exec(head)?.[1] ?? '';
  if (status.includes('R')) flags.push('\\Seen');
  if (xstatus.includes('A')) flags.push('\\Answered');
  if (xstatus.includes('F')) flags.push('\\Flagged');
  if (xstatus.includes('D')) flags.push('\\Deleted');
  if (xstatus.includes('T')) flags.push('\\Draft');
  return flags;
}

