import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { pick, Simulation, subjectWeights } from './simulation.js';

describe('simulator', () => {
  it('subject weights are cumulative, skewed and end at 1', () => {
    const w = subjectWeights(8);
    expect(w[w.length - 1]).toBeCloseTo(1, 10);
    expect(w[0]).toBeGreaterThan(0.3); // the first subject carries about a third
    for (let i = 1; i < w.length; i++) expect(w[i]).toBeGreaterThan(w[i - 1]);
    expect(pick(w, 0)).toBe(0);
    expect(pick(w, 0.999999)).toBe(7);
  });

  it('spreads clients over tenants and publishes through the SDK', async () => {
    const subjects: string[] = [];
    const nc = {
      publish: (subject: string) => void subjects.push(subject),
      isClosed: () => false,
      flush: async () => undefined,
    } as unknown as NatsConnection;
    const sim = new Simulation(nc, {
      tenants: ['a', 'b'],
      clients: 10,
      rate: 400,
      subjectsPerTenant: 4,
      payloadBytes: 10,
      errorRate: 0,
      degraded: 0,
      unhealthy: 0,
      flap: 0,
      heartbeatIntervalMs: 60_000,
      spikeAtSeconds: 0,
      spikeSeconds: 0,
      subjectPrefix: 'tenant',
    });
    sim.start();
    await new Promise((r) => setTimeout(r, 1200));
    await sim.stop();
    const traffic = subjects.filter((s) => s.startsWith('tenant.'));
    expect(traffic.length).toBeGreaterThan(200);
    expect(new Set(traffic.map((s) => s.split('.')[1]))).toEqual(new Set(['a', 'b']));
    const beats = subjects.filter((s) => s.startsWith('_HEARTBEAT.'));
    expect(new Set(beats).size).toBe(10);
    expect(sim.stats().online).toBe(10);
  });
});
