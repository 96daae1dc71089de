// The million-client benchmark's clients (bench/million.mjs starts it): every heartbeat of the
// plan (bench/million-plan.mjs) at its due time, the SDK's heartbeat body (bench/heartbeat-body.mjs),
// from one NATS connection. Every millisecond or so it publishes what has fallen due since, so the
// rate is held to the heartbeat; it reports how late it was (the earliest heartbeat of each
// batch, counted for the whole batch: an upper bound) and the rate it achieved.
// Prints JSON lines: { event: 'start', at } once, { event: 'round', ... } after each round, then
// { event: 'done', ... }.
// Usage: node bench/million-publisher.mjs <nats url> <tenant id prefix> <clients> <tenants> <minutes>
import { connect } from '@nats-io/transport-node';
import { heartbeatBody } from './heartbeat-body.mjs';
import { dueBy, heartbeatAt, millionPlan, tenantIds } from './million-plan.mjs';

const [url, prefix, clientsArg, tenantsArg, minutesArg] = process.argv.slice(2);
const plan = millionPlan({ clients: Number(clientsArg), tenants: Number(tenantsArg), minutes: Number(minutesArg) });
const ids = tenantIds(plan, prefix);
const nc = await connect({ servers: url, name: 'million-publisher' });
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Lateness of each heartbeat, whole ms (the last bin gathers everything later). */
const lateness = new Float64Array(60_001);
let roundLate = new Float64Array(lateness.length);
const lateBound = (bins, p, total) => {
  let seen = 0;
  for (let ms = 0; ms < bins.length; ms++) if ((seen += bins[ms]) >= Math.ceil(p * total)) return ms;
  return bins.length - 1;
};

const started = performance.now();
say({ event: 'start', at: Date.now() });
let k = 0;
let roundFirstAt = started;
let roundMaxLateMs = 0;
const cpuStart = process.cpuUsage();

function publishDue() {
  const now = performance.now();
  const due = dueBy(plan, now - started);
  if (k >= due) return;
  const lateMs = Math.min(lateness.length - 1, Math.floor(Math.max(0, now - started - heartbeatAt(plan, k).dueMs)));
  lateness[lateMs] += due - k;
  roundLate[lateMs] += Math.min(due, (Math.floor(k / plan.clients) + 1) * plan.clients) - k;
  roundMaxLateMs = Math.max(roundMaxLateMs, lateMs);
  const timestamp = new Date().toISOString();
  for (; k < due; k++) {
    const { round, tenant, client } = heartbeatAt(plan, k);
    if (k % plan.clients === 0) roundFirstAt = now;
    const t = ids[tenant];
    nc.publish(
      `_HEARTBEAT.tenant.${t}.client.c${client}`,
      JSON.stringify(heartbeatBody({ tenant: t, client, round, timestamp })),
    );
    if ((k + 1) % plan.clients === 0) {
      // The round's rate: its heartbeats over the time from its first publish to its last, plus
      // one interval (a round held exactly takes one period).
      const seconds = (now - roundFirstAt + plan.intervalMs) / 1000;
      say({
        event: 'round',
        round,
        at: Date.now(),
        sent: plan.clients,
        seconds: Number(seconds.toFixed(3)),
        rate: Math.round(plan.clients / seconds),
        lateMsP99: lateBound(roundLate, 0.99, plan.clients),
        lateMsMax: roundMaxLateMs,
      });
      roundLate = new Float64Array(lateness.length);
      roundMaxLateMs = 0;
    }
  }
}

await new Promise((resolve) => {
  const tick = () => {
    publishDue();
    if (k >= plan.total) resolve();
    else setTimeout(tick, 1);
  };
  tick();
});
await nc.flush();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
say({
  event: 'done',
  sent: k,
  seconds: Number(seconds.toFixed(3)),
  rate: Math.round(k / (seconds + plan.intervalMs / 1000)),
  lateMsP50: lateBound(lateness, 0.5, k),
  lateMsP99: lateBound(lateness, 0.99, k),
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
});
await nc.close();
