// Soak: `npm run soak -- --minutes 30 [--rate 250000] [--clients 50000]` drives tenant traffic
// (default: half the ingest the benchmark measured) plus heartbeating clients at the protocol
// rate through Pulse (built dist/, real NATS and Redis) and samples RSS, event-loop lag and Redis
// memory every 10 s. It fails (exit 1) if any count is lost or memory keeps growing; it writes
// bench/results/soak-<minutes>m.json and .png (a plot rendered by headless Chromium; .svg
// without it), so a short trial run never overwrites the 30-minute record the docs show.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NATS, startBenchPulse, waitUntil, writeResult } from './support.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    rate: { type: 'string' },
    clients: { type: 'string' },
    tenants: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes ?? 30);
const RATE = Number(values.rate ?? 250_000);
const CLIENTS = Number(values.clients ?? 50_000);
const TENANTS = Number(values.tenants ?? 50);
const runId = randomBytes(3).toString('hex');
const prefix = `soak${runId}`;
const tenants = Array.from({ length: TENANTS }, (_, i) => `s${runId}t${i}`);
const count = Math.round(RATE * MINUTES * 60);

const bench = await startBenchPulse({ runId, tenants, tier: 'professional', subjectPrefix: prefix });
const { app, redis, historyKeys } = bench;
const { MessageTap } = await import('../dist/monitoring/message-tap.js');
await waitUntil(async () => app.get(MessageTap).subscribedTenants().length === TENANTS);

const child = (script, args) =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [new URL(script, import.meta.url).pathname, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${script} exited ${code}`)),
    );
  });
const perTenant = Math.ceil(CLIENTS / TENANTS);
const rounds = Math.max(1, Math.floor((MINUTES * 60) / 30));
const traffic = child('./publisher.mjs', [NATS, prefix, tenants.join(','), String(count), '100', String(RATE)]);
const heartbeats = child('./heartbeat-publisher.mjs', [
  NATS,
  tenants.join(','),
  String(perTenant),
  String(Math.round(CLIENTS / 30)),
  String(rounds),
]);

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const samples = [];
const started = Date.now();
const sample = async () => {
  const info = await redis.info('memory');
  samples.push({
    t: Math.round((Date.now() - started) / 1000),
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    lagP99Ms: Number((lag.percentile(99) / 1e6).toFixed(1)),
    redisMb: Math.round(Number(/used_memory:(\d+)/.exec(info)[1]) / 2 ** 20),
  });
  lag.reset();
  const s = samples.at(-1);
  console.log(`${s.t}s rss ${s.rssMb} MB, loop lag p99 ${s.lagP99Ms} ms, redis ${s.redisMb} MB`);
};
const timer = setInterval(() => void sample(), 10_000);
const [pub, hb] = await Promise.all([traffic, heartbeats]);
await new Promise((r) => setTimeout(r, 5000));
clearInterval(timer);
await sample();
const stored = (await Promise.all(tenants.map((t) => redis.hget(historyKeys.totals(t), 'm')))).reduce(
  (n, v) => n + Number(v ?? 0),
  0,
);
await bench.stop();

// Memory must level off: the second half's growth under 10 % of the first half's level.
const half = samples.slice(Math.floor(samples.length / 2));
const growth = half.length > 1 ? (half.at(-1).rssMb - half[0].rssMb) / half[0].rssMb : 0;
const lost = pub.published - stored;
writeResult(`soak-${MINUTES}m`, {
  minutes: MINUTES,
  targetRate: RATE,
  clients: CLIENTS,
  publisher: pub,
  heartbeats: hb,
  stored,
  lost,
  rssGrowthSecondHalf: Number(growth.toFixed(3)),
  samples,
});

// Plot: an SVG rendered to PNG by headless Chromium (playwright-core), no plotting dependency.
const W = 900,
  H = 300,
  pad = 40;
const maxT = Math.max(...samples.map((s) => s.t), 1);
const line = (field, max, color) =>
  `<polyline fill="none" stroke="${color}" stroke-width="2" points="${samples.map((s) => `${pad + ((W - 2 * pad) * s.t) / maxT},${H - pad - ((H - 2 * pad) * s[field]) / max}`).join(' ')}"/>`;
const maxMb = Math.max(...samples.map((s) => Math.max(s.rssMb, s.redisMb)), 1) * 1.2;
const maxLag = Math.max(...samples.map((s) => s.lagP99Ms), 1) * 1.2;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" style="background:#fff;font-family:sans-serif">
<text x="${pad}" y="20" font-size="14">Pulse soak: ${MINUTES} min, ${RATE} msgs/s target, ${CLIENTS} clients — RSS (blue), Redis (green) in MB of ${Math.round(maxMb)}; loop lag p99 (red) in ms of ${Math.round(maxLag)}; lost ${lost}</text>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#999"/>
${line('rssMb', maxMb, '#3b6fd8')}${line('redisMb', maxMb, '#2e9e5b')}${line('lagP99Ms', maxLag, '#d83b3b')}
<text x="${W - pad}" y="${H - 10}" font-size="12" text-anchor="end">${maxT} s</text></svg>`;
if (existsSync('/usr/bin/chromium')) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: W, height: H } });
  await page.setContent(svg);
  await page.screenshot({ path: `bench/results/soak-${MINUTES}m.png` });
  await browser.close();
} else {
  writeFileSync(`bench/results/soak-${MINUTES}m.svg`, svg);
}
console.log(
  `published ${pub.published}, stored ${stored}, lost ${lost}; RSS growth over the second half ${(growth * 100).toFixed(1)} %`,
);
process.exit(lost === 0 && growth < 0.1 ? 0 : 1);
