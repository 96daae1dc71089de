// The million-client benchmark's presence API probe (bench/million.mjs starts it): one
// `GET /api/v1/metrics/presence?limit=100` (the summary and the first 100 clients) every INTERVAL
// ms, one at a time, taking the tenants in turn with their own keys, each with a 10 s deadline.
// Keys come as a JSON array in MILLION_PROBE_KEYS. On "stop" on stdin it prints one JSON line:
// every request's [start epoch ms, latency ms, status (0: no answer)].
// Usage: MILLION_PROBE_KEYS='["…"]' node bench/million-probe.mjs <pulse url> <interval ms>
const [url, intervalArg] = process.argv.slice(2);
const keys = JSON.parse(process.env.MILLION_PROBE_KEYS ?? '[]');
const interval = Number(intervalArg);
const samples = [];
let stopping = false;
process.stdin.on('data', (d) => {
  if (String(d).includes('stop')) stopping = true;
});

for (let i = 0; !stopping; i++) {
  const at = Date.now();
  const started = performance.now();
  let status;
  try {
    const res = await fetch(`${url}/api/v1/metrics/presence?limit=100`, {
      headers: { authorization: `Bearer ${keys[i % keys.length]}` },
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    status = res.status;
  } catch {
    status = 0;
  }
  const ms = performance.now() - started;
  samples.push([at, Number(ms.toFixed(2)), status]);
  await new Promise((r) => setTimeout(r, Math.max(0, interval - ms)));
}
process.stdout.write(`${JSON.stringify({ samples })}\n`);
process.exit(0);
