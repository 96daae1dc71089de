import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { createTenant, request } from '../support/http.js';
import { type RunningPulse, startPulse, testOptions, uniqueTenantId } from '../support/pulse-app.js';
import { type ServerProcess, startRedisServer } from '../support/processes.js';

/**
 * A measure, not a check (docs/benchmarks.md, Custom metrics: the export): skipped unless
 * PULSE_BENCH_EXPORT=1. Pulse on a private redis-server (so `INFO commandstats` counts only this
 * run) and the shared NATS; one enterprise tenant with 50 custom metrics (the default limit) whose
 * figures fill every minute of 24 h and every hour of 7 days, and a second tenant reading `GET /metrics/realtime`.
 * Prints: one export's time and Redis commands (`INFO commandstats` before and after, HGETALLs
 * inside scripts included), then the other tenant's realtime latency (p50, max) alone and while
 * 8 loops export on the first tenant's key for 5 s (a 429 waits its Retry-After).
 * `PULSE_BENCH_EXPORT=1 BENCH_PERIOD=24h BENCH_RESOLUTION=1m npx vitest run test/e2e/export-fairness.bench.e2e-spec.ts`
 */
describe.skipIf(!process.env.PULSE_BENCH_EXPORT)('export with 50 custom metrics: cost and fairness', () => {
  const resolution = process.env.BENCH_RESOLUTION ?? '1m';
  const period = process.env.BENCH_PERIOD ?? '24h';
  let server: ServerProcess;
  let pulse: RunningPulse;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedisServer({ persistent: false });
    const options = testOptions({ redis: { url: `redis://127.0.0.1:${server.port}` } });
    pulse = await startPulse(options);
    redis = new Redis(`redis://127.0.0.1:${server.port}`);
  }, 60_000);

  afterAll(async () => {
    await pulse?.close();
    redis?.disconnect();
    await server?.kill();
  });

  const stats = async () => {
    const out: Record<string, number> = {};
    for (const line of (await redis.info('commandstats')).split('\r\n')) {
      const m = /^cmdstat_(\w+):calls=(\d+)/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  };
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

  it('measures', async () => {
    const keys = new RedisKeys(pulse.options.redis.keyPrefix);
    const tenant = await createTenant(pulse.url, uniqueTenantId('exporter'), 'enterprise');
    const other = await createTenant(pulse.url, uniqueTenantId('bystander'), 'enterprise');
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/metrics/custom', {
        key: tenant.apiKey,
        body: { name: `m${i}`, subject: `s${i}`, source: 'json', field: 'v', aggregation: 'avg' },
      });
      ids.push(res.body.id);
    }
    const now = Math.floor(Date.now() / 60_000) * 60;
    for (const id of ids) {
      const p = redis.pipeline();
      for (let m = 0; m < 1440; m++) {
        const key = keys.customFigures(tenant.id, id, now - m * 60);
        p.hset(key, 'c', 3, 's', 7.5, 'mn', 1, 'mx', 4);
        p.expire(key, 3600);
      }
      for (let h = 0; h < 168; h++) {
        const key = keys.customFigures(tenant.id, id, `h${Math.floor(now / 3600) * 3600 - h * 3600}`);
        p.hset(key, 'c', 180, 's', 450, 'mn', 1, 'mx', 4);
        p.expire(key, 3600);
      }
      await p.exec();
    }
    const exportOnce = async () => {
      const res = await fetch(
        `${pulse.url}/api/v1/metrics/export?format=csv&period=${period}&resolution=${resolution}`,
        { headers: { authorization: `Bearer ${tenant.apiKey}` } },
      );
      await res.arrayBuffer();
      return res;
    };
    await exportOnce(); // warm-up
    const before = await stats();
    const t0 = performance.now();
    const one = await exportOnce();
    const ms = performance.now() - t0;
    const after = await stats();
    const diff = Object.fromEntries(
      Object.entries(after)
        .map(([k, v]) => [k, v - (before[k] ?? 0)])
        .filter(([k, v]) => (v as number) > 0 && k !== 'info'),
    );
    console.log(
      `one export ${period}@${resolution}: status ${one.status}, ${ms.toFixed(0)} ms, commands ${JSON.stringify(diff)}`,
    );

    const realtime = async () => {
      const s = performance.now();
      await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: other.apiKey });
      return performance.now() - s;
    };
    const quiet: number[] = [];
    for (let i = 0; i < 50; i++) quiet.push(await realtime());
    let stop = false;
    const statuses = new Map<number, number>();
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const res = await exportOnce();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after'))));
      }
    });
    const loaded: number[] = [];
    const until = Date.now() + 5000;
    while (Date.now() < until) loaded.push(await realtime());
    stop = true;
    await Promise.all(loops);
    console.log(
      `realtime of another tenant: alone p50 ${pct(quiet, 0.5).toFixed(1)} ms max ${Math.max(...quiet).toFixed(1)}; ` +
        `under 8 export loops p50 ${pct(loaded, 0.5).toFixed(1)} ms max ${Math.max(...loaded).toFixed(1)} ms ` +
        `(${loaded.length} reads); exports by status ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(loaded.length).toBeGreaterThan(0);
  }, 180_000);
});
