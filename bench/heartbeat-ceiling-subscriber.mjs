// The bare subscriber of bench/heartbeat-ceiling.mjs: URL, the heartbeats expected, and `count` or
// `parse`. Prints `ready` once subscribed, then { rate, cpuMicrosPerHeartbeat } from the first to
// the last heartbeat, and exits (non-zero if they have not all arrived within two minutes).
import { connect } from '@nats-io/transport-node';

const [url, expectedArg, mode] = process.argv.slice(2);
const expected = Number(expectedArg);
const parse = mode === 'parse';
const decoder = new TextDecoder();
const nc = await connect({ servers: url });
let received = 0;
let firstAt = 0;
let cpuAtFirst;
nc.subscribe('_HEARTBEAT.>', {
  callback: (_err, msg) => {
    if (received === 0) {
      firstAt = performance.now();
      cpuAtFirst = process.cpuUsage();
    }
    if (parse) JSON.parse(decoder.decode(msg.data));
    if (++received === expected) {
      const seconds = (performance.now() - firstAt) / 1000;
      const cpu = process.cpuUsage(cpuAtFirst);
      const cpuMicrosPerHeartbeat = Number(((cpu.user + cpu.system) / received).toFixed(2));
      console.log(JSON.stringify({ rate: Math.round(received / seconds), cpuMicrosPerHeartbeat }));
      process.exit(0);
    }
  },
});
await nc.flush();
console.log('ready');
setTimeout(() => {
  console.error(`${received} of ${expected} heartbeats arrived in two minutes`);
  process.exit(1);
}, 120_000).unref();
