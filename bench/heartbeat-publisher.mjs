// Sends heartbeats for TENANTS × CLIENTS clients at RATE heartbeats/s (0 = as fast as NATS takes
// them) for ROUNDS rounds (one heartbeat per client per round); prints { sent, seconds, rate,
// cpuMicrosPerHeartbeat } (the last: this process's own CPU, building and sending).
import { connect } from '@nats-io/transport-node';
import { heartbeatBody } from './heartbeat-body.mjs';

const [url, tenantList, clientsArg, rateArg, roundsArg] = process.argv.slice(2);
const tenants = tenantList.split(',');
const clients = Number(clientsArg);
const rate = Number(rateArg);
const rounds = Number(roundsArg);
const nc = await connect({ servers: url });
const started = performance.now();
const cpuAtStart = process.cpuUsage();
let sent = 0;
for (let round = 0; round < rounds; round++) {
  for (let c = 0; c < clients; c++) {
    for (const t of tenants) {
      const body = heartbeatBody({ tenant: t, client: c, round, timestamp: new Date().toISOString() });
      nc.publish(`_HEARTBEAT.tenant.${t}.client.c${c}`, JSON.stringify(body));
      sent++;
      if ((sent & 1023) === 0) {
        await nc.flush();
        if (rate > 0) {
          const due = (sent / rate) * 1000 - (performance.now() - started);
          if (due > 0) await new Promise((r) => setTimeout(r, due));
        }
      }
    }
  }
}
await nc.flush();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const cpuMicrosPerHeartbeat = Number(((cpu.user + cpu.system) / sent).toFixed(2));
console.log(JSON.stringify({ sent, seconds, rate: Math.round(sent / seconds), cpuMicrosPerHeartbeat }));
await nc.close();
