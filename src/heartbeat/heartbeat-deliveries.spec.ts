import { describe, expect, it } from 'vitest';
import { HeartbeatDeliveries } from './heartbeat-deliveries.js';

describe('HeartbeatDeliveries', () => {
  it('counts messages and bytes per tenant and hands them over once', () => {
    const d = new HeartbeatDeliveries();
    expect(d.isEmpty).toBe(true);
    d.add('a', 120);
    d.add('a', 100);
    d.add('b', 7);
    expect(d.isEmpty).toBe(false);
    expect([...d.take()]).toEqual([
      ['a', { messages: 2, bytes: 220 }],
      ['b', { messages: 1, bytes: 7 }],
    ]);
    expect(d.isEmpty).toBe(true);
    expect(d.take().size).toBe(0);
  });

  it('puts back what could not be written, added to what came meanwhile', () => {
    const d = new HeartbeatDeliveries();
    d.add('a', 10);
    const taken = d.take();
    d.add('a', 5);
    d.restore('a', taken.get('a')!);
    d.restore('b', { messages: 0, bytes: 0 }); // nothing: no entry
    expect([...d.take()]).toEqual([['a', { messages: 2, bytes: 15 }]]);
    // The restored counts are copies: changing the taken object afterwards changes nothing.
    const again = { messages: 1, bytes: 1 };
    d.restore('c', again);
    again.messages = 99;
    expect(d.take().get('c')).toEqual({ messages: 1, bytes: 1 });
  });
});
