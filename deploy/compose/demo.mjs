// compose.yaml's demo service, run in the Pulse image once Pulse is healthy: creates the tenants
// demo-basic, demo-pro and demo-enterprise (again, with fresh keys, on every start), prints the
// dashboard address and their API keys, then runs the simulator (dist/simulator) against them
// until stopped.
import { spawn } from 'node:child_process';

const pulse = process.env.PULSE_URL ?? 'http://pulse:3000';
const adminKey = process.env.ADMIN_API_KEY ?? '';
const published = process.env.PULSE_PUBLISHED_URL ?? 'http://localhost:3000';
const tenants = [
  ['demo-basic', 'basic'],
  ['demo-pro', 'professional'],
  ['demo-enterprise', 'enterprise'],
];

/** An admin call to Pulse: the HTTP status and the parsed answer (null when empty). */
async function admin(method, path, body) {
  const headers = { authorization: `Bearer ${adminKey}` };
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, pulse), { method, headers, body: body && JSON.stringify(body) });
  const text = await res.text();
  return [res.status, text ? JSON.parse(text) : null];
}

const keys = [];
for (const [id, tier] of tenants) {
  await admin('DELETE', `/api/v1/admin/tenants/${id}`);
  const [status, answer] = await admin('POST', '/api/v1/admin/tenants', { id, tier, name: `Demo ${tier}` });
  if (status !== 201) {
    console.error(`demo: creating ${id} failed: ${status} ${JSON.stringify(answer)}`);
    process.exit(1);
  }
  keys.push(`  ${id.padEnd(16)} ${answer.apiKey}`);
}
console.log(`
Pulse demo: dashboard ${published}/dashboard/ (sign in with a tenant key), operator console
${published}/dashboard/operator.html (the admin key), API contract ${published}/api/docs
${keys.join('\n')}
`);

// 90 clients, 600 messages/s in all, until stopped; demo-enterprise bursts after 90 s.
const args = { nats: process.env.NATS_URL ?? 'nats://nats:4222', 'tenant-ids': tenants.map(([id]) => id).join(',') };
Object.assign(args, { clients: 90, rate: 600, duration: 0, spike: 'demo-enterprise', 'spike-at': 90 });
const simulator = spawn(
  process.execPath,
  ['dist/simulator/simulate.js', '--quiet', ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])],
  { stdio: 'inherit' },
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => simulator.kill(signal));
simulator.on('exit', (code) => process.exit(code ?? 0));
