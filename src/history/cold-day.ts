import type { ColdItem } from '../coldstore/cold-store.js';

/**
 * A day's subject ranking and client behaviour as the cold store keeps them, once no write can
 * reach the day any more. Items: `s#<day>` (subjects: `s` [[subject, messages, bytes], …] busiest
 * first, `k` the distinct-subject sketch) and `c#<day>#<nnn>` (client behaviour: `d` a share of
 * the per-client fields, and in chunk 000 `t` the traffic ranking's top and `h` the clients-seen
 * HyperLogLog), chunked so each item stays under DynamoDB's 400 KB.
 */
export interface DayData {
  subjects: [string, number, number][];
  sketch: Uint8Array | null;
  clientFields: Record<string, string>;
  ranking: [string, number][];
  seen: Uint8Array | null;
}

/** Bytes of attributes per item, well under DynamoDB's 400 KB item limit. */
const ITEM_BUDGET = 300_000;

export const subjectsSortKey = (day: string) => `s#${day}`;
export const clientsSortKey = (day: string, chunk: number) => `c#${day}#${String(chunk).padStart(3, '0')}`;
/** The last possible client-behaviour sort key of a day (for a range). */
export const clientsSortKeyEnd = (day: string) => `c#${day}#~`;

export function isEmptyDayData(d: DayData): boolean {
  return d.subjects.length === 0 && d.sketch === null && Object.keys(d.clientFields).length === 0 && d.seen === null;
}

/** The day's items. A ranking longer than one item allows is cut at the budget (the tail goes). */
export function dayDataItems(partition: string, day: string, d: DayData, expiresAt: number): ColdItem[] {
  const items: ColdItem[] = [];
  if (d.subjects.length > 0 || d.sketch) {
    const subjects: [string, number, number][] = [];
    let size = d.sketch?.length ?? 0;
    for (const row of d.subjects) {
      size += row[0].length + 24;
      if (size > ITEM_BUDGET) break;
      subjects.push(row);
    }
    items.push({
      partition,
      sk: subjectsSortKey(day),
      attributes: { s: subjects, ...(d.sketch && { k: d.sketch }) },
      expiresAt,
    });
  }
  const entries = Object.entries(d.clientFields);
  if (entries.length > 0 || d.seen || d.ranking.length > 0) {
    let chunk: Record<string, string> = {};
    let size = (d.seen?.length ?? 0) + d.ranking.reduce((n, [id]) => n + id.length + 12, 0);
    let n = 0;
    const flush = () => {
      items.push({
        partition,
        sk: clientsSortKey(day, n),
        attributes: { d: chunk, ...(n === 0 && { t: d.ranking, ...(d.seen && { h: d.seen }) }) },
        expiresAt,
      });
      n++;
      chunk = {};
      size = 0;
    };
    for (const [field, value] of entries) {
      const cost = field.length + value.length + 8;
      if (size + cost > ITEM_BUDGET && Object.keys(chunk).length > 0) flush();
      chunk[field] = value;
      size += cost;
    }
    flush();
  }
  return items;
}

const bytesOf = (v: unknown): Uint8Array | null => (v instanceof Uint8Array ? v : null);

/** The days' data from their items (any order); a day without items is absent. */
export function decodeDayData(items: { sk: string; attributes: Record<string, unknown> }[]): Map<string, DayData> {
  const days = new Map<string, DayData>();
  const of = (day: string) => {
    let d = days.get(day);
    if (!d) days.set(day, (d = { subjects: [], sketch: null, clientFields: {}, ranking: [], seen: null }));
    return d;
  };
  for (const { sk, attributes: a } of items) {
    const day = sk.slice(2, 10);
    if (sk.startsWith('s#')) {
      const d = of(day);
      d.subjects = (a.s ?? []) as [string, number, number][];
      d.sketch = bytesOf(a.k);
    } else if (sk.startsWith('c#')) {
      const d = of(day);
      Object.assign(d.clientFields, a.d ?? {});
      if (a.t) d.ranking = a.t as [string, number][];
      if (a.h) d.seen = bytesOf(a.h);
    }
  }
  return days;
}
