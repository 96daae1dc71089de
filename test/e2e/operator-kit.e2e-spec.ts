import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPrometheus, PrometheusServer, PROMTOOL, sayPrometheusMissing } from '../support/prometheus.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  waitFor,
} from '../support/pulse-app.js';

sayPrometheusMissing('the operator kit checks (promtool, Prometheus)');

const RULES = resolve('deploy/prometheus/pulse-rules.yml');
const RULE_TESTS = resolve('deploy/prometheus/pulse-rules.test.yml');
const DASHBOARD = resolve('deploy/grafana/pulse-operator.json');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

const rules = (load(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const ruleTests = load(readFileSync(RULE_TESTS, 'utf8')) as {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
};
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
};
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
const variableQueries = dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : []));

/** Grafana's variables as a query would see them: one job, every instance, a one-minute rate window. */
const substitute = (expr: string) =>
  expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', 'pulse').replaceAll('$instance', '.*');

/** Metric names an expression reads: identifiers that are neither functions, keywords nor labels. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutGroupings = withoutStrings.replace(
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
    '',
  );
  const withoutSelectors = withoutGroupings.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '');
  // A whole identifier followed by "(" is a function, not a metric.
  const names = [...withoutSelectors.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined)
    .map((m) => m[1]);
  const words = new Set(['and', 'or', 'unless', 'offset', 'bool']);
  return names.filter((n) => !words.has(n) && (n.includes('_') || n === 'up'));
}

/** Every series name a scrape offers, from its TYPE lines (a metric with no sample yet still has one). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
    else names.add(name);
  }
  return names;
}

describe('operator kit: deploy/prometheus and deploy/grafana', () => {
  let pulse: RunningPulse;
  let scrape: string;

  beforeAll(async () => {
    pulse = await startPulse(testOptions());
    // A request and a flush first, so the scrape is of an instance that has done some work.
    await fetch(`${pulse.url}/api/v1/health`);
    scrape = await waitFor(
      async () => (await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text(),
      (text) => /pulse_flush_duration_seconds_count [1-9]/.test(text),
    );
  });

  afterAll(async () => {
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it('every alert has a severity, a summary and a description, and a unit test that shows it firing', () => {
    expect(rules.length).toBeGreaterThanOrEqual(12);
    const fired = new Set(
      ruleTests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)),
    );
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      expect(fired.has(rule.alert), `${rule.alert} has no test that fires it`).toBe(true);
    }
    for (const name of ['PulseFlushBacklogGrowing', 'PulseFlushFailing', 'PulseRedisDown', 'PulseNatsDown'])
      expect(rules.map((r) => r.alert)).toContain(name);
    for (const name of ['PulseJobFailing', 'PulseSlowConsumer', 'PulseIngestStalled'])
      expect(rules.map((r) => r.alert)).toContain(name);
  });

  it('the dashboard is a Grafana JSON model: unique panel ids, panels on the 24-column grid, each query on the datasource variable', () => {
    expect(dashboard.uid).toBe('pulse-operator');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const variables = new Set(dashboard.templating.list.map((v) => v.name));
    expect(variables).toEqual(new Set(['datasource', 'job', 'instance']));
    for (const panel of dashboard.panels) {
      const { x, w, h } = panel.gridPos;
      expect(x >= 0 && w > 0 && h > 0 && x + w <= 24, panel.title).toBe(true);
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.refId).toMatch(/^[A-Z]$/);
        for (const [, name] of target.expr.matchAll(/\$(\w+)/g)) {
          expect(name === '__rate_interval' || variables.has(name), `${panel.title}: $${name}`).toBe(true);
        }
      }
    }
    // Panels do not overlap: no grid cell is claimed twice.
    const cells = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it("every metric the rules and the dashboard name is one Pulse's /metrics exports (a real scrape)", () => {
    const exported = exportedNames(scrape);
    expect(exported.size).toBeGreaterThan(20);
    exported.add('up'); // Prometheus' own, per target
    const referenced = new Set(
      [...rules.map((r) => r.expr), ...dashboardExprs, ...variableQueries].flatMap(metricNames),
    );
    expect(referenced.size).toBeGreaterThan(15);
    const unknown = [...referenced].filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
    // The parser finds names where they are (a name it missed would escape the check).
    expect(metricNames('sum by (le) (rate(pulse_x_bucket{job="a b"}[1m])) / on (instance) up offset 5m')).toEqual([
      'pulse_x_bucket',
      'up',
    ]);
  });

  it.skipIf(!hasPrometheus)('promtool check rules and promtool test rules pass', () => {
    // execFileSync throws, with promtool's report, on a non-zero exit.
    expect(execFileSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' })).toContain(
      `SUCCESS: ${rules.length} rules found`,
    );
    const out = execFileSync(PROMTOOL, ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it.skipIf(!hasPrometheus)(
    'a real Prometheus scraping Pulse (admin key) loads the rules, evaluates every one, and runs every dashboard query',
    async () => {
      const prometheus = await PrometheusServer.start({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [RULES],
        scrape_configs: [
          {
            job_name: 'pulse',
            metrics_path: '/metrics',
            authorization: { credentials: ADMIN_KEY },
            static_configs: [{ targets: [new URL(pulse.url).host] }],
          },
        ],
      });
      try {
        expect(
          await waitFor(
            () => prometheus.scalar('up{job="pulse"}'),
            (n) => n === 1,
            { timeoutMs: 30_000 },
          ),
        ).toBe(1);
        // Every rule evaluated without error (health "ok", not "err" or "unknown").
        const health = await waitFor(
          async () => {
            const res = await fetch(`${prometheus.url}/api/v1/rules`);
            const body = (await res.json()) as {
              data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
            };
            return body.data.groups.flatMap((g) => g.rules);
          },
          (list) => list.length === rules.length && list.every((r) => r.health === 'ok'),
          { timeoutMs: 20_000 },
        );
        expect(health.filter((r) => r.health !== 'ok')).toEqual([]);
        expect(health).toHaveLength(rules.length);
        // A healthy Pulse raises none of them.
        expect(await prometheus.query('ALERTS{alertstate="firing"}')).toEqual([]);
        for (const expr of dashboardExprs) {
          await expect(prometheus.query(substitute(expr)), expr).resolves.toBeInstanceOf(Array);
        }
        // The dashboard's dependency stats read what this instance says: Redis and NATS up.
        expect(
          await prometheus.scalar(substitute('min(pulse_redis_connected{job="$job", instance=~"$instance"})')),
        ).toBe(1);
        expect(
          await prometheus.scalar(substitute('min(pulse_nats_connected{job="$job", instance=~"$instance"})')),
        ).toBe(1);
        // No label of Pulse's clashes with the target's own: a job's name stays job_name, not exported_job.
        expect(await prometheus.query('{job="pulse", exported_job!=""}')).toEqual([]);
        expect(await prometheus.query('{job="pulse", exported_instance!=""}')).toEqual([]);
      } finally {
        await prometheus.stop();
      }
    },
  );
});
