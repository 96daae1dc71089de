import { describe, expect, it } from 'vitest';
import { DomainError } from '../common/errors/domain-error.js';
import {
  checkExportable,
  exportableFrom,
  exportsTenant,
  parseExportHour,
  usageCloudEvent,
  usageExportBody,
  UsageExportError,
  usageRecord,
  usageRecordId,
} from './usage-export.js';
import { usageOf } from './usage-figures.js';
import type { UsageRecord } from './usage.types.js';

const HOUR = parseExportHour('2026-12-07T13')!;
const START = Date.UTC(2026, 11, 7, 13) / 1000;

/** What a refused hour throws: its message and details. */
function refusal(fn: () => void): { message: string; details: { field: string; exportableFrom?: string }[] } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageExportError);
    const e = err as DomainError;
    expect(e.code).toBe('VALIDATION_FAILED');
    return { message: e.message, details: e.extra.details as { field: string }[] };
  }
  throw new Error('not refused');
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

async function* batches(...lists: UsageRecord[][]): AsyncGenerator<UsageRecord[]> {
  for (const list of lists) yield list;
}

describe('parseExportHour', () => {
  it('reads a UTC hour YYYY-MM-DDTHH into its bounds', () => {
    expect(HOUR).toEqual({ label: '2026-12-07T13', start: START, end: START + 3600 });
    expect(parseExportHour('2024-02-29T00')!.start).toBe(Date.UTC(2024, 1, 29) / 1000);
    expect(parseExportHour('1970-01-01T00')!.start).toBe(0);
  });

  it('refuses anything else: other shapes, impossible dates and hours, longer input', () => {
    for (const bad of [
      '',
      '2026-12-07',
      '2026-12-07T13:00',
      '2026-12-07T13Z',
      '2026-12-07 13',
      '2026-02-30T10',
      '2025-02-29T10',
      '2026-13-01T00',
      '2026-12-07T24',
      '2026-12-7T13',
      '+02026-12-07T1',
      '2026-12-07T13'.repeat(1000),
    ]) {
      expect(parseExportHour(bad), bad).toBeNull();
    }
  });
});

describe('checkExportable', () => {
  const settle = 300;
  const day = 86_400;

  it('serves an hour from its end + the settle time on', () => {
    expect(exportableFrom(HOUR, settle)).toBe(START + 3600 + 300);
    expect(() => checkExportable(HOUR, START + 3600 + 300, settle, 30 * day)).not.toThrow();
    expect(() => checkExportable(HOUR, START + 3600, 0, 30 * day)).not.toThrow();
  });

  it('an hour not settled (or not over, or to come) is a 400 naming hour and when it can be exported', () => {
    for (const now of [START + 3600 + 299, START + 1800, START - 86_400]) {
      const { message, details } = refusal(() => checkExportable(HOUR, now, settle, 30 * day));
      expect(message).toBe(
        'hour: 2026-12-07T13 can be exported from 2026-12-07T14:05:00.000Z (its end + 300 s: data for it may arrive until then)',
      );
      expect(details).toEqual([{ field: 'hour', messages: [message], exportableFrom: '2026-12-07T14:05:00.000Z' }]);
    }
  });

  it('an hour older than any history kept is a 400 naming hour', () => {
    const kept = 30 * day + 3600;
    expect(() => checkExportable(HOUR, START + kept - 1, settle, kept)).not.toThrow();
    const { message, details } = refusal(() => checkExportable(HOUR, START + kept, settle, kept));
    expect(message).toBe('hour: 2026-12-07T13 is older than the history any tenant keeps (721 hours)');
    expect(details[0].field).toBe('hour');
  });
});

describe('exportsTenant', () => {
  const created = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
  const now = START + 7200;

  it('only tenants created before the hour ended, whose history still holds it', () => {
    expect(exportsTenant(created(START - 86_400), 26 * 3600, HOUR, now)).toBe(true);
    expect(exportsTenant(created(START + 3599), 26 * 3600, HOUR, now)).toBe(true); // created within the hour
    expect(exportsTenant(created(START + 3600), 26 * 3600, HOUR, now)).toBe(false); // after it
    expect(exportsTenant(created(START - 86_400), 26 * 3600, HOUR, START + 26 * 3600)).toBe(false); // expired
    expect(exportsTenant('not a date', 26 * 3600, HOUR, now)).toBe(true); // no date: not left out for it
  });
});

describe('usageRecord', () => {
  it('builds the record from the hour hash by the counter fields, with its stable id', () => {
    const record = usageRecord('acme', HOUR, [
      {
        m: '120',
        b: '12000',
        sv_in_m: '130',
        sv_in_b: '13100',
        sv_out_m: '650',
        sv_out_b: '65500',
        cn_min: '180',
        js_bmin: '90',
        pk: '9',
        pl_max: '4096',
        'l:3': '7',
      },
    ]);
    expect(record).toEqual({
      id: 'usage:acme:2026-12-07T13',
      tenantId: 'acme',
      hourStart: '2026-12-07T13:00:00.000Z',
      hourEnd: '2026-12-07T14:00:00.000Z',
      published: { messages: 120, bytes: 12000 },
      ingress: { messages: 130, bytes: 13100 },
      egress: { messages: 650, bytes: 65500 },
      connectionMinutes: 180,
      jetstreamStorageByteHours: 1.5,
    });
    expect(usageRecordId('acme', HOUR)).toBe(record.id);
    // One fixed property order: the same figures are the same bytes.
    expect(Object.keys(record)).toEqual([
      'id',
      'tenantId',
      'hourStart',
      'hourEnd',
      'published',
      'ingress',
      'egress',
      'connectionMinutes',
      'jetstreamStorageByteHours',
    ]);
  });

  it('takes what the server delivered to Pulse itself out of a tenant account’s egress, summed over the hour first', () => {
    const minutes: Record<string, string>[] = [
      { pd_m: '10', pd_b: '1200' },
      { sv_out_m: '60', sv_out_b: '7200', pd_m: '2', pd_b: '300' },
    ];
    expect(usageRecord('acme', HOUR, minutes, 'account').egress).toEqual({ messages: 48, bytes: 5700 });
    expect(usageRecord('acme', HOUR, minutes, 'subjects').egress).toEqual({ messages: 60, bytes: 7200 });
  });

  it('sums the minute hashes of an hour read from its minutes; absent or unreadable fields are 0', () => {
    const minutes: Record<string, string>[] = [
      { m: '1', b: '10', cn_min: '2' },
      {},
      { m: '2', b: '20', sv_out_m: 'x', js_bmin: '60' },
    ];
    const record = usageRecord('acme', HOUR, minutes);
    expect(record.published).toEqual({ messages: 3, bytes: 30 });
    expect(record.egress).toEqual({ messages: 0, bytes: 0 });
    expect(record.connectionMinutes).toBe(2);
    expect(record.jetstreamStorageByteHours).toBe(1);
    expect(usageRecord('acme', HOUR, [])).toMatchObject({ published: { messages: 0, bytes: 0 }, connectionMinutes: 0 });
  });
});

describe('usageRecord and the usage route agree', () => {
  it('JetStream storage byte-hours rounded as the route rounds them (3 decimals), the hour the same in both', () => {
    const hashes = [{ js_bmin: '100' }]; // 1.6666… byte-hours
    const record = usageRecord('acme', HOUR, hashes);
    expect(record.jetstreamStorageByteHours).toBe(1.667);
    expect(record.jetstreamStorageByteHours).toBe(usageOf(hashes).jetstreamStorageByteHours);
  });
});

describe('the export body', () => {
  const record = (tenantId: string, messages: number): UsageRecord => ({
    ...usageRecord(tenantId, HOUR, [{ m: String(messages), b: String(messages * 10) }]),
  });

  it('CloudEvents: a CloudEvents 1.0 event whose data is the record, id the record id, time the hour start', () => {
    const event = usageCloudEvent(record('acme', 5), 'https://pulse.example.com/eu');
    expect(event).toEqual({
      specversion: '1.0',
      id: 'usage:acme:2026-12-07T13',
      source: 'https://pulse.example.com/eu',
      type: 'io.pulse.usage.hourly',
      subject: 'acme',
      time: '2026-12-07T13:00:00.000Z',
      datacontenttype: 'application/json',
      data: record('acme', 5),
    });
  });

  it('NDJSON: one record a line, batch after batch; nothing for no tenants', async () => {
    const body = await text(
      usageExportBody(batches([record('a', 1), record('b', 2)], [], [record('c', 3)]), 'ndjson', 'p'),
    );
    const lines = body.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as UsageRecord).tenantId)).toEqual(['a', 'b', 'c']);
    expect(await text(usageExportBody(batches(), 'ndjson', 'p'))).toBe('');
  });

  it('CloudEvents batch: one JSON array over every batch; [] for no tenants', async () => {
    const body = await text(
      usageExportBody(batches([], [record('a', 1)], [], [record('b', 2), record('c', 3)]), 'cloudevents', 'pulse'),
    );
    const events = JSON.parse(body) as { id: string; subject: string }[];
    expect(events.map((e) => e.id)).toEqual([
      'usage:a:2026-12-07T13',
      'usage:b:2026-12-07T13',
      'usage:c:2026-12-07T13',
    ]);
    expect(body).toBe(
      JSON.stringify([record('a', 1), record('b', 2), record('c', 3)].map((r) => usageCloudEvent(r, 'pulse'))),
    );
    expect(await text(usageExportBody(batches(), 'cloudevents', 'pulse'))).toBe('[]');
  });

  it('the same records are the same bytes', async () => {
    const once = () => text(usageExportBody(batches([record('a', 1), record('b', 2)]), 'cloudevents', 'pulse'));
    expect(await once()).toBe(await once());
  });
});
