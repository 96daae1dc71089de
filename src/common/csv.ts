/**
 * One CSV field (RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled),
 * neutralised against formula injection (OWASP "CSV Injection"): text that starts with = + - @,
 * a tab or a carriage return is taken by spreadsheets as a formula, so it gets a leading `'`.
 * Numbers (a negative one starts with -) are left as they are: a spreadsheet reads them as numbers.
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = FORMULA_START.test(v) && !PLAIN_NUMBER.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (without its line break). */
export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return values.map(csvField).join(',');
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
