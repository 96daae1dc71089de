// The million-client benchmark's plan and arithmetic (pure: no I/O, no clock), shared by
// bench/million.mjs (the orchestrator) and bench/million-publisher.mjs, tested in
// bench/million-plan.spec.mjs.
//
// Schedule: every client heartbeats once per period (the protocol's 30 s). Heartbeat k of the run
// (0-based) is due k × period / clients after the start, so the rate is exactly clients / period
// and a round (one heartbeat of every client) takes one period. Round 0 is the warm-up: every
// client's first contact. Within a round the clients take turns over the tenants (global client g
// is client floor(g / tenants) of tenant g mod tenants), so every tenant's clients are spread
// evenly over the period too.

/** The protocol's heartbeat interval. */
export const PERIOD_SECONDS = 30;

export function millionPlan({ clients = 1_000_000, tenants = 100, minutes = 10, periodSeconds = PERIOD_SECONDS } = {}) {
  for (const [name, value] of Object.entries({ clients, tenants, minutes, periodSeconds })) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${value})`);
  }
  if (!Number.isInteger(clients) || !Number.isInteger(tenants)) throw new Error('clients and tenants must be integers');
  if (tenants > clients) throw new Error(`more tenants (${tenants}) than clients (${clients})`);
  const steadyRounds = Math.max(1, Math.round((minutes * 60) / periodSeconds));
  const rounds = 1 + steadyRounds;
  return {
    clients,
    tenants,
    minutes,
    periodSeconds,
    /** Heartbeats per second, warm-up and steady state alike. */
    rate: clients / periodSeconds,
    /** Milliseconds between two consecutive heartbeats of the run. */
    intervalMs: (periodSeconds * 1000) / clients,
    steadyRounds,
    rounds,
    total: clients * rounds,
    /** Seconds from the first heartbeat due to the last one due. */
    seconds: rounds * periodSeconds,
  };
}

/** The ids of the run's tenants. */
export function tenantIds(plan, prefix) {
  return Array.from({ length: plan.tenants }, (_, i) => `${prefix}${i}`);
}

/** Tenant `t`'s share of the clients (the first clients mod tenants tenants have one more). */
export function clientsOfTenant(plan, t) {
  return Math.floor(plan.clients / plan.tenants) + (t < plan.clients % plan.tenants ? 1 : 0);
}

/** Heartbeat k of the run: its round, tenant index, client index within the tenant and due time (ms after the start). */
export function heartbeatAt(plan, k) {
  const g = k % plan.clients;
  return {
    round: Math.floor(k / plan.clients),
    tenant: g % plan.tenants,
    client: Math.floor(g / plan.tenants),
    dueMs: (k * plan.periodSeconds * 1000) / plan.clients,
  };
}

/** How many heartbeats are due `elapsedMs` after the start (heartbeat 0 is due at once). */
export function dueBy(plan, elapsedMs) {
  if (elapsedMs < 0) return 0;
  return Math.min(plan.total, Math.floor((elapsedMs * plan.clients) / (plan.periodSeconds * 1000)) + 1);
}

/** Nearest-rank percentile (0 < p ≤ 1) of numbers (any order); null for none. */
export function nearestRank(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/**
 * A counter or gauge in a Prometheus exposition: the sample whose labels include every one of
 * `labels` (summed when several match, e.g. all outcomes); 0 when none does.
 */
export function sample(text, name, labels = {}) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    const braces = line[name.length] === '{' ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    if (Object.entries(labels).every(([k, v]) => braces.split(',').includes(`${k}="${v}"`))) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/** A histogram's cumulative buckets in a Prometheus exposition: [{ leMs, count }], +Inf as Infinity, by bound. */
export function histogram(text, name) {
  const buckets = [];
  const re = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const [, le, count] of text.matchAll(re)) {
    buckets.push({ leMs: le === '+Inf' ? Infinity : Math.round(Number(le) * 1e6) / 1e3, count: Number(count) });
  }
  return buckets.sort((a, b) => a.leMs - b.leMs);
}

/** What a cumulative histogram gained between two scrapes (same bounds). */
export function histogramSince(after, before) {
  const earlier = new Map(before.map((b) => [b.leMs, b.count]));
  return after.map((b) => ({ leMs: b.leMs, count: b.count - (earlier.get(b.leMs) ?? 0) }));
}

/**
 * The bound (ms) that the fraction p of a cumulative histogram's samples do not exceed: the `le`
 * of the first bucket holding the nearest rank (an upper bound of the percentile, never below
 * it); null without samples, Infinity when the rank lies beyond the last finite bound.
 */
export function percentileBoundMs(buckets, p) {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  return buckets.find((b) => b.count >= rank).leMs;
}

/**
 * The run's failures, each a sentence (none: it passed). `heartbeats`: what the publisher sent
 * and what Pulse did with them; `steadyRate` / `warmupRate`: the publisher's achieved rates;
 * `presence`: the presence API's summary over all tenants at the end; `offlineEvents`:
 * offline transitions published during the run; `probe`: the presence probe's failed requests.
 */
export function failures(plan, { heartbeats, warmupRate, steadyRate, presence, offlineEvents, probe }) {
  const out = [];
  const { sent, accepted, rejected, written, superseded, pending } = heartbeats;
  if (sent !== plan.total) out.push(`the publisher sent ${sent} of ${plan.total} heartbeats`);
  if (accepted + rejected < sent)
    out.push(`${sent - accepted - rejected} heartbeats lost (sent ${sent}, Pulse took ${accepted + rejected})`);
  if (rejected > 0) out.push(`${rejected} heartbeats rejected`);
  if (pending > 0 || written + superseded < accepted)
    out.push(
      `${accepted - written - superseded} accepted heartbeats never written to Redis (${pending} still pending)`,
    );
  for (const [phase, rate] of [
    ['warm-up', warmupRate],
    ['steady state', steadyRate],
  ]) {
    if (!(rate >= plan.rate * 0.99)) out.push(`the publisher held ${rate}/s in ${phase}, below 99 % of ${plan.rate}/s`);
  }
  if (offlineEvents > 0) out.push(`${offlineEvents} offline transitions`);
  if (presence.total !== plan.clients || presence.online !== plan.clients || presence.offline !== 0)
    out.push(
      `the presence API counts ${presence.online} online and ${presence.offline} offline of ${presence.total} clients (expected ${plan.clients} online)`,
    );
  if (probe.failed > 0) out.push(`${probe.failed} presence API requests failed (${JSON.stringify(probe.statuses)})`);
  return out;
}
