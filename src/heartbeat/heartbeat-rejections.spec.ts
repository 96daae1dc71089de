import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatRejections } from './heartbeat-rejections.js';

describe('HeartbeatRejections', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts by reason and per known tenant, and hands pending counts over once', () => {
    const r = new HeartbeatRejections();
    r.record('schema', 'x', 's', 'acme');
    r.record('schema', 'x', 's', 'acme');
    r.record('unknown_tenant', 'x', 's');
    expect(r.counts()).toEqual({ schema: 2, unknown_tenant: 1 });
    const pending = r.takePending();
    expect([...pending.get('acme')!]).toEqual([['schema', 2]]);
    expect(pending.size).toBe(1); // a made-up tenant leaves no per-tenant state
    expect(r.takePending().size).toBe(0);
    r.restore(pending);
    expect([...r.takePending().get('acme')!]).toEqual([['schema', 2]]);
  });

  it('logs at most one line per reason per 10 s, then says how many it skipped', () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const r = new HeartbeatRejections();
    for (let i = 0; i < 10_000; i++) r.record('invalid_json', 'bad', 'subject');
    r.record('schema', 'bad', 'subject');
    expect(warn).toHaveBeenCalledTimes(2);
    now.mockReturnValue(1_010_000);
    r.record('invalid_json', 'bad', 'subject');
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls[2][0]).toContain('9999 more invalid_json rejections not logged');
  });
});
