import { describe, expect, it } from 'vitest';
import { type Activity, ClientActivityBuffer } from './client-activity.js';

describe('ClientActivityBuffer', () => {
  it('adds up a client per tenant and day, one entry each, and hands them over in first-seen order', () => {
    const b = new ClientActivityBuffer();
    b.add('t1', '2026-12-07', 'c1', [1, 2, 3, 30]);
    b.add('t1', '2026-12-07', 'c2', [5, 0, 0, 30]);
    b.addFrom('t1', '2026-12-07', 'c1', [9, 10, 20, 1, 30], 1);
    b.add('t1', '2026-12-08', 'c1', [7, 0, 0, 5]);
    b.add('t2', '2026-12-07', 'c1', [1, 1, 1, 1]);
    expect(b.size).toBe(4);
    const taken = b.take();
    expect(b.size).toBe(0);
    expect(b.take()).toEqual([]);
    expect(taken.map((t) => [t.tenantId, t.day, [...t.clients]])).toEqual([
      [
        't1',
        '2026-12-07',
        [
          ['c1', [11, 22, 4, 60]],
          ['c2', [5, 0, 0, 30]],
        ],
      ],
      ['t1', '2026-12-08', [['c1', [7, 0, 0, 5]]]],
      ['t2', '2026-12-07', [['c1', [1, 1, 1, 1]]]],
    ]);
  });

  it('keeps every client when a tenant-day outgrows its first rows, and figures beyond 32 bits exact', () => {
    const b = new ClientActivityBuffer();
    const big = 2 ** 40 + 1;
    for (let round = 0; round < 2; round++)
      for (let c = 0; c < 1000; c++) b.add('t', 'd', `c${c}`, [c, big, round, 30]);
    expect(b.size).toBe(1000);
    const [{ clients }] = b.take();
    expect(clients.size).toBe(1000);
    for (let c = 0; c < 1000; c++) expect(clients.get(`c${c}`)).toEqual([2 * c, 2 * big, 1, 60]);
  });

  it('puts back a failed write added to what came since', () => {
    const b = new ClientActivityBuffer();
    b.add('t', 'd', 'a', [1, 1, 1, 1]);
    const [part] = b.take();
    b.add('t', 'd', 'b', [2, 2, 2, 2]);
    b.add('t', 'd', 'a', [3, 0, 0, 30]);
    b.restore(part);
    expect(b.size).toBe(2);
    const clients = b.take()[0].clients;
    expect([...clients]).toEqual<[string, Activity][]>([
      ['b', [2, 2, 2, 2]],
      ['a', [4, 1, 1, 31]],
    ]);
  });
});
