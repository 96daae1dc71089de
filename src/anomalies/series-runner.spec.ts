import { describe, expect, it } from 'vitest';
import { detectSeries, MAX_LINE_WARNINGS, parseSeriesCsv, SeriesInputError } from './series-runner.js';

const START = Date.UTC(2026, 0, 5);
const FIVE_MIN = 300_000;
const stamp = (i: number) => new Date(START + i * FIVE_MIN).toISOString().replace('T', ' ').slice(0, 19);
const file = (...lines: string[]) => `${lines.join('\n')}\n`;

/** Four days of five-minute windows: a daily cycle with a little noise; `at(i)` overrides a row. */
function daily(at: (i: number, value: number) => string | null = (i, v) => `${stamp(i)},${v}`): string[] {
  let s = 11;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const lines: string[] = [];
  for (let i = 0; i < 288 * 4; i++) {
    const value = Number((400 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 288)) * (1 + 0.05 * rand())).toFixed(2));
    const line = at(i, value);
    if (line !== null) lines.push(line);
  }
  return lines;
}

function refusal(text: string): SeriesInputError {
  try {
    parseSeriesCsv(text);
  } catch (err) {
    if (err instanceof SeriesInputError) return err;
    throw err;
  }
  throw new Error('the file was accepted');
}

describe('parseSeriesCsv: real data as it comes', () => {
  it('a clean file: every row, in order, timestamps as given, no warning', () => {
    const { rows, warnings } = parseSeriesCsv(file('timestamp,value', `${stamp(0)},1`, '2026-01-05T00:05:00Z,2.5'));
    expect(rows).toEqual([
      { timestamp: stamp(0), at: START, value: 1 },
      { timestamp: '2026-01-05T00:05:00Z', at: START + FIVE_MIN, value: 2.5 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('rows out of time order are put in order, with a warning naming the line where time went back', () => {
    const { rows, warnings } = parseSeriesCsv(
      file('timestamp,value', `${stamp(0)},1`, `${stamp(2)},3`, `${stamp(1)},2`, `${stamp(3)},4`),
    );
    expect(rows.map((r) => [r.timestamp, r.value])).toEqual([
      [stamp(0), 1],
      [stamp(1), 2],
      [stamp(2), 3],
      [stamp(3), 4],
    ]);
    expect(warnings).toEqual([
      `line 4: timestamp goes back 5 min ("${stamp(1)}" after "${stamp(2)}"); rows put in time order`,
    ]);
  });

  it('rows of a timestamp given before are one window, the mean of their values, printed as first given', () => {
    const { rows, warnings } = parseSeriesCsv(
      file('timestamp,value', `${stamp(0)},10`, `${stamp(1)},20`, '2026-01-05T00:05:00Z,40', `${stamp(2)},5`),
    );
    expect(rows.map((r) => [r.timestamp, r.value])).toEqual([
      [stamp(0), 10],
      [stamp(1), 30],
      [stamp(2), 5],
    ]);
    expect(warnings).toEqual([
      'line 4: timestamp "2026-01-05T00:05:00Z" is also on line 3; one window, the mean of their values',
    ]);
  });

  it('the mean of repeated rows stays finite when their sum would not (each value near the largest double)', () => {
    const { rows } = parseSeriesCsv(
      file(
        'timestamp,value',
        `${stamp(0)},1.7e308`,
        `${stamp(0)},1.7e308`,
        `${stamp(1)},-1.7e308`,
        `${stamp(1)},1.7e308`,
      ),
    );
    expect(rows.map((r) => r.value)).toEqual([1.7e308, 0]);
    // Three rows, after time went back (merged through the map of timestamps): still the mean.
    const back = parseSeriesCsv(
      file(
        'timestamp,value',
        `${stamp(1)},1`,
        `${stamp(0)},1.5e308`,
        `${stamp(1)},2`,
        `${stamp(0)},1.5e308`,
        `${stamp(0)},3e307`,
      ),
    );
    expect(back.rows[1].value).toBe(1.5);
    expect(back.rows[0].value / 1.1e308).toBeCloseTo(1, 12);
  });

  it('a clock that steps back one hour: one warning where it went back, one for the repeated hour; one row per window', () => {
    const lines = ['timestamp,value'];
    for (let i = 0; i < 24; i++) lines.push(`${stamp(i)},${100 + i}`);
    for (let i = 12; i < 24; i++) lines.push(`${stamp(i)},${300 + i}`); // the hour again, other figures
    for (let i = 24; i < 30; i++) lines.push(`${stamp(i)},${100 + i}`);
    const { rows, warnings } = parseSeriesCsv(file(...lines));
    expect(rows.map((r) => r.at)).toEqual(Array.from({ length: 30 }, (_, i) => START + i * FIVE_MIN));
    expect(rows[12].value).toBe((112 + 312) / 2);
    expect(rows[11].value).toBe(111);
    expect(warnings).toEqual([
      `line 26: timestamp goes back 55 min ("${stamp(12)}" after "${stamp(23)}"); rows put in time order`,
      `lines 26-37: timestamps given before (the first, "${stamp(12)}", on line 14); each is one window with its earlier row, the mean of their values`,
    ]);
  });

  it('an empty value is skipped with a warning: no row for that window', () => {
    const { rows, warnings } = parseSeriesCsv(
      file('timestamp,value', `${stamp(0)},1`, `${stamp(1)},`, `${stamp(2)},3`),
    );
    expect(rows.map((r) => r.value)).toEqual([1, 3]);
    expect(warnings).toEqual(['line 3: no value; skipped']);
  });

  it('values that are not finite decimal numbers are skipped, each with a warning naming its line', () => {
    const bad = ['abc', 'NaN', 'Infinity', '0x10', '1e999', '1,5'];
    const { rows, warnings } = parseSeriesCsv(
      file('timestamp,value', `${stamp(0)},-1.5e2`, ...bad.map((v, i) => `${stamp(i + 1)},${v}`), `${stamp(9)},.5`),
    );
    expect(rows.map((r) => r.value)).toEqual([-150, 0.5]);
    expect(warnings).toEqual([
      'line 3: value "abc" is not a (finite, decimal) number; skipped',
      'line 4: value "NaN" is not a (finite, decimal) number; skipped',
      'line 5: value "Infinity" is not a (finite, decimal) number; skipped',
      'line 6: value "0x10" is not a (finite, decimal) number; skipped',
      'line 7: value "1e999" is not a (finite, decimal) number; skipped',
      `line 8: expected 2 fields "timestamp,value", got 3 ("${stamp(6)},1,5"); skipped`,
    ]);
  });

  it('garbage lines, bad timestamps and a repeated header are skipped with warnings; quotes, CRLF, BOM and blank lines are fine', () => {
    const text = `\uFEFF"timestamp","value"\r\n${stamp(0)},1\r\nhello\r\n\r\n;;;\r\nyesterday,2\r\n"${stamp(1)}","2"\r\ntimestamp,value\r\n${stamp(2)},3\r\n`;
    const { rows, warnings } = parseSeriesCsv(text);
    expect(rows.map((r) => [r.timestamp, r.value])).toEqual([
      [stamp(0), 1],
      [stamp(1), 2],
      [stamp(2), 3],
    ]);
    expect(warnings).toEqual([
      'line 3: expected 2 fields "timestamp,value", got 1 ("hello"); skipped',
      'line 5: expected 2 fields "timestamp,value", got 1 (";;;"); skipped',
      'line 6: timestamp "yesterday" is neither YYYY-MM-DD HH:MM:SS nor ISO 8601; skipped',
      'line 8: the header again; skipped',
    ]);
  });

  it('no header: a first line that is a row is read as one (warning); another first line is taken for a header (warning)', () => {
    const bare = parseSeriesCsv(file(`${stamp(0)},1`, `${stamp(1)},2`));
    expect(bare.rows.map((r) => r.value)).toEqual([1, 2]);
    expect(bare.warnings).toEqual(['line 1: no header "timestamp,value"; the line is read as a row']);
    const named = parseSeriesCsv(file('time,count', `${stamp(0)},1`));
    expect(named.rows.map((r) => r.value)).toEqual([1]);
    expect(named.warnings).toEqual(['line 1: "time,count" is not the header "timestamp,value"; taken for a header']);
  });

  it("control characters in a quoted line are escaped: a file's bytes never drive the reader's terminal", () => {
    const { warnings } = parseSeriesCsv(
      file('timestamp,value', `${stamp(0)},1`, '\u001b]0;owned\u0007\u001b[2J,x', `${stamp(1)},\u009b31m`),
    );
    expect(warnings).toEqual([
      'line 3: timestamp "\\u001b]0;owned\\u0007\\u001b[2J" is neither YYYY-MM-DD HH:MM:SS nor ISO 8601; skipped',
      'line 4: value "\\u009b31m" is not a (finite, decimal) number; skipped',
    ]);
    expect([...warnings.join('')].some((c) => c < ' ' || (c >= '\u007f' && c <= '\u009f'))).toBe(false);
  });

  it('not a series: no row at all is an error (with the line warnings so far); so is an empty file or a header alone', () => {
    const json = refusal(file('{"a": 1}', '{"b": 2}'));
    expect(json.message).toMatch(/^not a series: no line is a row "timestamp,value"/);
    expect(json.warnings).toEqual([
      'line 1: "{"a": 1}" is not the header "timestamp,value"; taken for a header',
      'line 2: expected 2 fields "timestamp,value", got 1 ("{"b": 2}"); skipped',
    ]);
    expect(refusal('').message).toMatch(/^the file is empty/);
    expect(refusal('\n \n').message).toMatch(/^the file is empty/);
    expect(refusal(file('timestamp,value')).message).toMatch(/^no rows: the file has the header/);
    expect(refusal(file('timestamp,value', `${stamp(0)},`, 'x,1')).message).toMatch(/^not a series/);
  });

  it('warnings are bounded: the first lines, then one line counting the rest; quoted text is cut', () => {
    const lines = ['timestamp,value', `${stamp(0)},1`];
    for (let i = 1; i <= 1000; i++) lines.push(i % 2 ? `${stamp(i)},` : `${stamp(i)},${'9'.repeat(10_000)}x`);
    for (let i = 1; i <= 30; i++) lines.push(`${stamp(0)},1`); // merged: one note for the run
    lines.push(`${stamp(1)},1`, `${stamp(0)},1`); // back in time, and merged
    const { rows, warnings } = parseSeriesCsv(file(...lines));
    expect(rows).toHaveLength(2);
    expect(warnings).toHaveLength(MAX_LINE_WARNINGS + 1);
    expect(warnings[1]).toBe(`line 4: value "${'9'.repeat(40)}…" is not a (finite, decimal) number; skipped`);
    expect(warnings[MAX_LINE_WARNINGS]).toBe(
      'and 1012 more lines: 980 skipped, 31 merged into the window of an earlier line, 1 going back in time',
    );
    expect(warnings.join('\n').length).toBeLessThan(200 * (MAX_LINE_WARNINGS + 1));
  });

  it('costs linear time on hostile lines (no regex backtracks)', () => {
    const long = '1'.repeat(1_000_000);
    const started = performance.now();
    const { warnings } = parseSeriesCsv(
      file('timestamp,value', `${stamp(0)},1`, `${stamp(1)},${long}x`, `${stamp(2)},${long}e`, `${long},1`, `${long}`),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(warnings).toHaveLength(4);
  });
});

describe('detectSeries over tolerated input', () => {
  const spikeAt = 288 * 3 + 100;

  it('a gap (rows skipped for empty values) is a gap: the window right after more than 3 missing is not judged', () => {
    const withSpike = (gap: boolean) =>
      daily((i, v) => {
        if (gap && i > spikeAt - 6 && i < spikeAt) return `${stamp(i)},`;
        return `${stamp(i)},${i === spikeAt ? v * 8 : v}`;
      });
    const spiked = (gap: boolean) => {
      const { rows } = parseSeriesCsv(file('timestamp,value', ...withSpike(gap)));
      return [...detectSeries(rows)].map((d) => d.timestamp);
    };
    expect(spiked(false)).toContain(stamp(spikeAt));
    expect(spiked(true)).not.toContain(stamp(spikeAt));
  });

  it('a repeated hour does not hide a spike after it, nor open anything of its own', () => {
    const clean = daily((i, v) => `${stamp(i)},${i === spikeAt ? v * 8 : v}`);
    const stepBack = 288 * 2;
    const repeated = [...clean.slice(0, stepBack), ...clean.slice(stepBack - 12, stepBack), ...clean.slice(stepBack)];
    const found = (lines: string[]) =>
      [...detectSeries(parseSeriesCsv(file('timestamp,value', ...lines)).rows)].map((d) => d.timestamp);
    expect(found(repeated)).toEqual(found(clean));
    expect(found(clean)).toContain(stamp(spikeAt));
  });
});
