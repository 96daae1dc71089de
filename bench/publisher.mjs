// Publishes COUNT messages of SIZE bytes round-robin over TENANTS tenants, as fast as NATS takes
// them or at RATE msgs/s, then prints one JSON line { published, seconds, rate }. Runs as its own
// process so the publisher does not share an event loop with the subscriber being measured.
// MODE "explosion": one tenant, 20 % of messages on 10 heavy subjects, the rest each on a new subject.
// MODE "custom": as "tenants", but every 10th message goes to <tenant>.orders.created with a JSON
// payload of the same size holding {"amount": 2.5} (what the custom-metrics case's definitions read).
import { connect } from '@nats-io/transport-node';

const [url, prefix, tenantList, countArg, sizeArg, rateArg = '0', mode = 'tenants'] = process.argv.slice(2);
const tenants = tenantList.split(',');
const count = Number(countArg);
const rate = Number(rateArg);
const payload = new Uint8Array(Number(sizeArg)).fill(120);
const nc = await connect({ servers: url });
const subjects = tenants.map((t) => [0, 1, 2, 3].map((i) => `${prefix}.${t}.orders.${i}`));
const subjectOf =
  mode === 'explosion'
    ? (i) => (i % 5 === 0 ? `${prefix}.${tenants[0]}.heavy.${(i / 5) % 10}` : `${prefix}.${tenants[0]}.x.${i}`)
    : (i) => subjects[i % tenants.length][(i >> 4) & 3];
const json = new TextEncoder().encode(
  JSON.stringify({ amount: 2.5, pad: 'x'.repeat(Math.max(0, payload.length - 27)) }),
);
const created = tenants.map((t) => `${prefix}.${t}.orders.created`);
const started = performance.now();
for (let i = 0; i < count; i++) {
  if (mode === 'custom' && i % 10 === 0) nc.publish(created[(i / 10) % tenants.length], json);
  else nc.publish(subjectOf(i), payload);
  if ((i & 0x3fff) === 0x3fff) {
    await nc.flush();
    if (rate > 0) {
      const ahead = (i / rate) * 1000 - (performance.now() - started);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }
}
await nc.flush();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ published: count, seconds, rate: Math.round(count / seconds) }));
await nc.close();
