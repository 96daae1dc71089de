import { describe, expect, it } from 'vitest';
import type { Heartbeat } from './heartbeat-parser.js';
import { PresenceBuffer } from './presence-buffer.js';

const hb = (tenantId: string, clientId: string, sent = 0): Heartbeat => ({
  tenantId,
  clientId,
  status: 'healthy',
  timestamp: 0,
  sent,
  received: 0,
  errors: 0,
  uptimeSeconds: 0,
});
const ids = (b: ReturnType<PresenceBuffer['take']>) =>
  b.map((t) => [t.tenantId, t.entries.map((e) => e.heartbeat.clientId)]);

describe('PresenceBuffer', () => {
  it('keeps the newest heartbeat per client in its first place, sheds new clients beyond the limit', () => {
    const buffer = new PresenceBuffer(3);
    expect(buffer.add(hb('a', 'c1'), 1, 'basic')).toBe('added');
    expect(buffer.add(hb('a', 'c2'), 2, 'basic')).toBe('added');
    expect(buffer.add(hb('b', 'c1'), 3, 'basic')).toBe('added');
    expect(buffer.add(hb('b', 'c2'), 4, 'basic')).toBe('shed');
    expect(buffer.add(hb('c', 'c1'), 4, 'basic')).toBe('shed');
    expect(buffer.add(hb('a', 'c1', 7), 5, 'enterprise')).toBe('superseded');
    const taken = buffer.take(10);
    expect(ids(taken)).toEqual([
      ['a', ['c1', 'c2']],
      ['b', ['c1']],
    ]);
    expect(taken[0]).toMatchObject({ tier: 'enterprise', entries: [{ receivedAt: 5, heartbeat: { sent: 7 } }, {}] });
    expect(buffer.size).toBe(0);
  });

  it('takes at most max, every tenant its share, oldest first', () => {
    const buffer = new PresenceBuffer(1000);
    for (let i = 0; i < 90; i++) buffer.add(hb('big', `c${i}`), i, 'basic');
    for (let i = 0; i < 10; i++) buffer.add(hb('small', `c${i}`), i, 'basic');
    const first = buffer.take(20);
    expect(ids(first)).toEqual([
      ['big', Array.from({ length: 18 }, (_, i) => `c${i}`)],
      ['small', ['c0', 'c1']],
    ]);
    expect(buffer.size).toBe(80);
    expect(buffer.take(1000).reduce((n, t) => n + t.entries.length, 0)).toBe(80);
  });

  it('puts failed heartbeats back ahead of newer clients, not over a newer heartbeat of theirs, within the limit', () => {
    const buffer = new PresenceBuffer(3);
    buffer.add(hb('a', 'c1'), 1, 'basic');
    buffer.add(hb('a', 'c2'), 2, 'basic');
    const [failed] = buffer.take(10);
    buffer.add(hb('a', 'c2', 9), 3, 'basic'); // newer than the failed one
    buffer.add(hb('a', 'c3'), 4, 'basic');
    expect(buffer.restore(failed)).toBe(0);
    expect(buffer.size).toBe(3);
    const [again] = buffer.take(10);
    expect(again.entries.map((e) => [e.heartbeat.clientId, e.heartbeat.sent])).toEqual([
      ['c1', 0],
      ['c2', 9],
      ['c3', 0],
    ]);
    buffer.add(hb('a', 'x1'), 5, 'basic');
    buffer.add(hb('a', 'x2'), 5, 'basic');
    expect(buffer.restore(again)).toBe(2); // room for one of three
    expect(buffer.size).toBe(3);
  });
});
