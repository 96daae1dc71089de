/**
 * A labelled generator of message-rate traffic: one series of message counts per 5-minute window
 * for each synthetic tenant, 28 days, with daily and weekly seasonality, growth, noise, and the
 * incidents an on-call person would want to hear about (labelled windows), beside tenants whose
 * normal traffic is bursty, tiny or growing (no label: every alarm there is false).
 *
 * Deterministic: a fixed seed gives the same series on every machine.
 */
export const WINDOW_MS = 300_000;
const DAYS = 28;
const ROWS = (DAYS * 86_400_000) / WINDOW_MS;
const START = Date.UTC(2026, 0, 5); // a Monday

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function poisson(rand, lambda) {
  if (lambda <= 0) return 0;
  if (lambda > 50) {
    // Normal approximation (Box–Muller) for large means.
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    return Math.max(
      0,
      Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)),
    );
  }
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > limit);
  return k - 1;
}

/** Daily shape (business hours busier) and weekend dip, 1.0 on average-ish. */
function season(at, daily, weekly) {
  const hour = (((at / 3_600_000) % 24) + 24) % 24;
  const day = new Date(at).getUTCDay();
  const d = 1 + daily * Math.sin(((hour - 9) / 24) * 2 * Math.PI);
  const w = day === 0 || day === 6 ? 1 - weekly : 1;
  return d * w;
}

const at = (row) => START + row * WINDOW_MS;
const rowOf = (day, hour = 0) => Math.round(((day * 24 + hour) * 3_600_000) / WINDOW_MS);

/** Tenant recipes: base rate per window, shape, noise, and incidents (each labelled). */
function recipes() {
  return [
    { name: 'steady-large', base: 5000, daily: 0.5, weekly: 0.3 },
    { name: 'steady-small', base: 40, daily: 0.6, weekly: 0.4 },
    { name: 'growing', base: 800, daily: 0.4, weekly: 0.2, growth: 2 },
    { name: 'tiny', base: 0.8, daily: 0.5, weekly: 0.5 },
    { name: 'bursty-normal', base: 300, daily: 0.3, weekly: 0.2, bursts: { every: 24, factor: 6, length: 2 } },
    { name: 'overdispersed', base: 600, daily: 0.4, weekly: 0.2, extraNoise: 0.25 },
    {
      name: 'outage',
      base: 2000,
      daily: 0.5,
      weekly: 0.3,
      incidents: [{ kind: 'scale', day: 12, hour: 14, rows: 6, factor: 0 }],
    },
    {
      name: 'partial-outage',
      base: 1200,
      daily: 0.4,
      weekly: 0.2,
      incidents: [{ kind: 'scale', day: 15, hour: 3, rows: 12, factor: 0.3 }],
    },
    {
      name: 'burst',
      base: 900,
      daily: 0.5,
      weekly: 0.3,
      incidents: [
        { kind: 'scale', day: 10, hour: 11, rows: 3, factor: 10 },
        { kind: 'scale', day: 20, hour: 2, rows: 2, factor: 4 },
      ],
    },
    {
      name: 'tiny-spike',
      base: 1.5,
      daily: 0.5,
      weekly: 0.4,
      incidents: [{ kind: 'scale', day: 14, hour: 13, rows: 2, factor: 25 }],
    },
    {
      name: 'small-dip',
      base: 150,
      daily: 0.4,
      weekly: 0.3,
      incidents: [{ kind: 'scale', day: 9, hour: 16, rows: 2, factor: 0.05 }],
    },
    {
      name: 'level-up',
      base: 400,
      daily: 0.4,
      weekly: 0.2,
      incidents: [{ kind: 'shift', day: 13, hour: 10, factor: 3 }],
    },
    {
      name: 'level-down',
      base: 3000,
      daily: 0.5,
      weekly: 0.3,
      incidents: [{ kind: 'shift', day: 16, hour: 20, factor: 0.45 }],
    },
    {
      name: 'slow-drift-down',
      base: 2500,
      daily: 0.4,
      weekly: 0.2,
      incidents: [{ kind: 'drift', day: 11, hour: 0, days: 2, factor: 0.5 }],
    },
    {
      name: 'slow-drift-up',
      base: 700,
      daily: 0.4,
      weekly: 0.2,
      incidents: [{ kind: 'drift', day: 18, hour: 6, days: 1.5, factor: 2 }],
    },
    {
      name: 'bursty-with-shift',
      base: 300,
      daily: 0.3,
      weekly: 0.2,
      bursts: { every: 24, factor: 6, length: 2 },
      incidents: [{ kind: 'shift', day: 17, hour: 9, factor: 2.5 }],
    },
    {
      name: 'night-outage',
      base: 1000,
      daily: 0.7,
      weekly: 0.3,
      incidents: [{ kind: 'scale', day: 19, hour: 2, rows: 8, factor: 0 }],
    },
    {
      name: 'weekend-silence',
      base: 500,
      daily: 0.5,
      weekly: 0.6,
      incidents: [{ kind: 'scale', day: 13, hour: 12, rows: 24, factor: 0.02 }],
    },
  ];
}

/** `{ name, rows: [{ timestamp, value }], windows: [[startMs, endMs]] }` for every tenant. */
export function generateTenants(seed = 20261201) {
  const rand = prng(seed);
  return recipes().map((r) => {
    const multiplier = new Float64Array(ROWS).fill(1);
    const windows = [];
    for (const inc of r.incidents ?? []) {
      const start = rowOf(inc.day, inc.hour);
      let end;
      if (inc.kind === 'scale') {
        end = start + inc.rows;
        for (let i = start; i < end; i++) multiplier[i] *= inc.factor;
      } else if (inc.kind === 'shift') {
        end = start + 1;
        for (let i = start; i < ROWS; i++) multiplier[i] *= inc.factor;
      } else {
        const length = Math.round((inc.days * 86_400_000) / WINDOW_MS);
        end = start + length;
        for (let i = start; i < ROWS; i++) multiplier[i] *= 1 + (inc.factor - 1) * Math.min(1, (i - start) / length);
      }
      // The labelled window: from an hour before the incident to six hours after it began (or ended).
      windows.push([at(start) - 3_600_000, at(end) + 6 * 3_600_000]);
    }
    let burstLeft = 0;
    const rows = [];
    for (let i = 0; i < ROWS; i++) {
      const t = at(i);
      let lambda = r.base * season(t, r.daily, r.weekly) * (1 + ((r.growth ?? 1) - 1) * (i / ROWS)) * multiplier[i];
      if (r.bursts) {
        if (burstLeft === 0 && rand() < 1 / r.bursts.every) burstLeft = 1 + Math.floor(rand() * r.bursts.length);
        if (burstLeft > 0) {
          lambda *= r.bursts.factor;
          burstLeft--;
        }
      }
      if (r.extraNoise) lambda *= Math.max(0, 1 + r.extraNoise * (rand() * 2 - 1));
      rows.push({ timestamp: new Date(t).toISOString().replace('.000Z', 'Z'), value: poisson(rand, lambda) });
    }
    return { name: r.name, rows, windows };
  });
}
