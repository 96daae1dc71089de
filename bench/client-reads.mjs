/**
 * `node bench/client-reads.mjs [clients]`: what one anomaly window reads of an enterprise tenant's
 * client behaviour, with `clients` (default 100,000) clients seeded for today in Redis (own key
 * prefix, deleted afterwards): the whole client-day hash (7 fields per client, as before) against
 * the bounded offline-day ranking (the top 1,000, as now), and for analytics' client behaviour the
 * whole hash against the busiest 1,000 clients' fields. Median of 5 reads each, one run.
 */
import { Redis } from 'ioredis';

const clients = Number(process.argv[2] ?? 100_000);
const prefix = `pulse-bench-${process.pid}`;
const redis = new Redis('redis://127.0.0.1:6379');
const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
const hash = `${prefix}:{t:bench}:cday:${day}`;
const zset = `${prefix}:{t:bench}:offday:${day}`;
const traffic = `${prefix}:{t:bench}:ctraffic:${day}`;
const FIELDS = ['s', 'r', 'e', 'on', 'ss', 'rc', 'off'];

async function seed() {
  for (let from = 0; from < clients; from += 5000) {
    const p = redis.pipeline();
    for (let i = from; i < Math.min(clients, from + 5000); i++) {
      const id = `client-${i}`;
      p.hset(
        hash,
        `${id}|s`,
        10,
        `${id}|r`,
        10,
        `${id}|e`,
        0,
        `${id}|on`,
        60,
        `${id}|ss`,
        1,
        `${id}|rc`,
        0,
        `${id}|off`,
        i % 7,
      );
      p.zadd(zset, i % 7, id);
      p.zadd(traffic, 20 + (i % 100), id);
    }
    await p.exec();
  }
}

async function time(read) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const cpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const n = await read();
    const c = process.cpuUsage(cpu);
    runs.push({ ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (c.user + c.system) / 1000, n });
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[2];
}

try {
  await seed();
  const whole = await time(async () => Object.keys(await redis.hgetall(hash)).length);
  const bounded = await time(async () => (await redis.zrevrange(zset, 0, 999, 'WITHSCORES')).length / 2);
  // Analytics' client behaviour for one day of the period: the day's top 2,000 from its ranking,
  // then only the busiest 1,000's fields (the period's cost is this per day, whatever the clients).
  const top = await time(async () => {
    const ranking = await redis.zrevrange(traffic, 0, 1999, 'WITHSCORES');
    const ids = ranking.filter((_, i) => i % 2 === 0).slice(0, 1000);
    const values = await redis.hmget(hash, ...ids.flatMap((id) => FIELDS.map((f) => `${id}|${f}`)));
    return values.length / FIELDS.length;
  });
  console.log(
    `analytics, one day: whole hash ${whole.ms.toFixed(1)} ms; busiest 1,000 (ranking + their fields) ${top.ms.toFixed(1)} ms (${top.cpuMs.toFixed(1)} ms CPU); ratio ${(whole.ms / top.ms).toFixed(0)}×`,
  );
  console.log(
    `${clients} clients: whole client-day hash ${whole.n} fields in ${whole.ms.toFixed(1)} ms (${whole.cpuMs.toFixed(1)} ms CPU here); bounded ranking ${bounded.n} clients in ${bounded.ms.toFixed(1)} ms (${bounded.cpuMs.toFixed(1)} ms CPU); ratio ${(whole.ms / bounded.ms).toFixed(0)}×`,
  );
} finally {
  await redis.del(hash, zset, traffic);
  redis.disconnect();
}
