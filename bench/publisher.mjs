// Publishes COUNT messages of SIZE bytes round-robin over TENANTS tenants as fast as NATS takes
// them, then prints one JSON line { published, seconds, rate }. Runs as its own process so the
// publisher does not share an event loop with the subscriber being measured.
import { connect } from '@nats-io/transport-node';

const [url, prefix, tenantList, countArg, sizeArg] = process.argv.slice(2);
const tenants = tenantList.split(',');
const count = Number(countArg);
const payload = new Uint8Array(Number(sizeArg)).fill(120);
const nc = await connect({ servers: url });
const subjects = tenants.map((t) => [0, 1, 2, 3].map((i) => `${prefix}.${t}.orders.${i}`));
const started = performance.now();
for (let i = 0; i < count; i++) {
  nc.publish(subjects[i % tenants.length][(i >> 4) & 3], payload);
  if ((i & 0x3fff) === 0x3fff) await nc.flush();
}
await nc.flush();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ published: count, seconds, rate: Math.round(count / seconds) }));
await nc.close();
