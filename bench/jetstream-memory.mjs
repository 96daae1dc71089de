// Redis memory of one tenant's JetStream keys at the poll bounds (issue #33, docs/benchmarks.md):
// MEMORY USAGE of one history hash (`js:min`/`js:hour`: 100 streams + 100 consumers) and of one
// view (`js:cur`: 100 streams with 20 subjects each, 100 consumers), with every name at NATS's
// 255-character maximum (the worst case) and with 17-character names (a typical case). Figures
// are the widest (10-digit counts). Deterministic: the same bytes every run. Writes two keys under
// a unique prefix of the shared Redis and deletes them.
// Usage: node bench/jetstream-memory.mjs [REDIS_URL=redis://127.0.0.1:6379]
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const redis = new Redis(process.argv[2] ?? 'redis://127.0.0.1:6379');
const prefix = `bench-jsmem-${randomBytes(4).toString('hex')}:{t}:`;
const names = (len) => Array.from({ length: 100 }, (_, i) => `${i}`.padStart(len, 'x'));
const at = '2026-12-07T03:40:00.000Z';

async function measure(nameChars, subjectChars) {
  const streams = names(nameChars);
  const consumers = names(nameChars);
  const fields = [];
  for (const s of streams) fields.push(`s:${s}`, '1234567890 123456789012 0.953125');
  consumers.forEach((c, i) => fields.push(`c:${streams[i]}/${c}`, '1234567 12345 12345 1234567'));
  const subjects = Array.from({ length: 20 }, (_, j) => `tenant.t.${j}.`.padEnd(subjectChars, 'y'));
  const view = {
    tenantId: 't',
    polledAt: at,
    streams: streams.map((name) => ({
      name,
      subjects,
      subjectsOmitted: 0,
      messages: 1234567890,
      bytes: 123456789012,
      firstSeq: 1234567890,
      lastSeq: 1234567890,
      consumers: 1,
      limits: { maxMessages: 1234567890, maxBytes: 123456789012, maxAgeSeconds: 1234567 },
      fill: { messages: 0.953125, bytes: 0.953125, worst: 0.953125 },
      created: at,
    })),
    consumers: consumers.map((name, i) => ({
      stream: streams[i],
      name,
      kind: 'pull',
      durable: true,
      pending: 1234567,
      ackPending: 12345,
      redelivered: 12345,
      waiting: 123,
      deliveredSeq: 1234567890,
      ackFloorSeq: 1234567890,
      lastDeliveredAt: at,
      lastAckedAt: at,
      ackRate: 123.456789,
      pendingGrowth: -123.456789,
      drain: { state: 'draining', seconds: 12345 },
    })),
    omitted: { streams: 0, consumers: 0 },
  };
  await redis.hset(`${prefix}min`, ...fields);
  await redis.set(`${prefix}cur`, JSON.stringify(view));
  const hash = await redis.memory('USAGE', `${prefix}min`, 'SAMPLES', 0);
  const current = await redis.memory('USAGE', `${prefix}cur`, 'SAMPLES', 0);
  await redis.del(`${prefix}min`, `${prefix}cur`);
  return { nameChars, subjectChars, historyHashBytes: hash, viewBytes: current };
}

try {
  console.log(JSON.stringify([await measure(255, 255), await measure(17, 30)], null, 2));
} finally {
  redis.disconnect();
}
