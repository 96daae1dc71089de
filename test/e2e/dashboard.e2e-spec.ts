/// <reference lib="dom" />
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/simulator/simulation.js';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher } from '../support/traffic.js';
import { FakeJetStreamReader, laggingTenant, withJetStreamReader } from '../support/jetstream-fake.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, scrollsSideways, tenantPage } from '../support/browser.js';

/** The built-in dashboard in a real headless Chromium, against a Pulse fed by the simulator. */
describe('dashboard (headless Chromium)', () => {
  const options = testOptions();
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let browser: Browser;
  let simulation: Simulation;
  let enterprise: CreatedTenant;
  let basic: CreatedTenant;
  let professional: CreatedTenant;
  // The JetStream poller's figures, fixed: the enterprise tenant has a lagging consumer, the
  // professional one no stream at all.
  const jetstream = new FakeJetStreamReader();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const fake = withJetStreamReader(jetstream);
    pulse = await startPulse(options, fake);
    nc = await publisher();
    enterprise = await createTenant(pulse.url, uniqueTenantId('dash-ent'), 'enterprise');
    basic = await createTenant(pulse.url, uniqueTenantId('dash-basic'), 'basic');
    professional = await createTenant(pulse.url, uniqueTenantId('dash-pro'), 'professional');
    jetstream.views.set(enterprise.id, laggingTenant(enterprise.id));
    jetstream.views.set(professional.id, { ...laggingTenant(professional.id), streams: [], consumers: [] });
    await waitFor(
      async () => [enterprise, basic, professional].every((t) => pulse.app.get(TenantDirectory).get(t.id)),
      Boolean,
    );
    simulation = new Simulation(nc, {
      tenants: [enterprise.id, basic.id],
      clients: 24,
      rate: 300,
      subjectsPerTenant: 6,
      payloadBytes: 120,
      errorRate: 0.01,
      degraded: 0.15,
      unhealthy: 0.05,
      flap: 0,
      heartbeatIntervalMs: 2000,
      spikeAtSeconds: 0,
      spikeSeconds: 0,
      subjectPrefix: 'tenant',
    });
    simulation.start();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await simulation?.stop();
    await nc?.close();
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /** An admin page signed in with the admin key, once its tenants table lists the enterprise tenant. */
  async function adminPage(file: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, bypassCSP: true });
    await page.goto(`${pulse.url}/dashboard/${file}`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('#signin-form button');
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('#tenants tbody tr')].some((r) => r.textContent?.includes(id)),
      enterprise.id,
      { timeout: 10_000 },
    );
    return page;
  }

  it('an enterprise key signs in and sees the rate chart update live, anomalies marked on the history, and a backtest', async () => {
    // A real anomaly of two hours ago, stored as the detection job stores them.
    const at = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await pulse.app.get(AnomalyRepository).save(enterprise.id, {
      id: 'an_dashboard0001',
      type: 'spike',
      severity: 'warning',
      status: 'resolved',
      summary: 'Spike in messages',
      details: { metric: 'messages' },
      detectedAt: at,
      resolvedAt: at,
    });
    // A custom metric over the simulator's traffic: the dashboard shows a row for it.
    const metric = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/metrics/custom', {
      key: enterprise.apiKey,
      body: { name: 'order messages', subject: 'orders.>', source: 'count', aggregation: 'count' },
    });
    expect(metric.status).toBe(201);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 }, bypassCSP: true });
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', enterprise.apiKey);
    await page.click('#signin-form button');
    await page.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), enterprise.id);
    expect(page.url()).not.toContain(enterprise.apiKey);
    await page.waitForSelector('#rate-chart canvas');
    const points = async () => Number(((await page.textContent('#rate-points')) ?? '0').split(' ')[0]);
    const first = await points();
    await page.waitForFunction(
      (n) => Number(document.getElementById('rate-points')?.textContent?.split(' ')[0]) >= n + 2,
      first,
      { timeout: 10_000 },
    );
    expect(await points()).toBeGreaterThanOrEqual(first + 2);
    await page.waitForFunction(
      () => Number((document.getElementById('today')?.textContent ?? '0').replace(/,/g, '')) > 0,
      undefined,
      { timeout: 10_000 },
    );
    await page.waitForFunction(() => (document.querySelector('#presence tbody')?.children.length ?? 0) > 0, undefined, {
      timeout: 10_000,
    });
    expect(await page.locator('.lock-note').count()).toBe(0);
    await page.waitForFunction(
      () => (document.querySelector('#custom tbody')?.textContent ?? '').includes('order messages'),
      undefined,
      { timeout: 10_000 },
    );
    await page.waitForFunction(
      () => (document.getElementById('history-note')?.textContent ?? '').includes('1 anomaly marked'),
      undefined,
      { timeout: 10_000 },
    );
    const legend = await page.locator('#history-chart .u-legend').textContent();
    expect(legend).toContain('anomalies');
    expect(legend).toContain('backtest');
    await page.click('#backtest-run');
    await page.waitForFunction(
      () => (document.getElementById('backtest-note')?.textContent ?? '').includes('would have opened'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#backtest-note')).toMatch(
      /^Backtest 7d, medium: \d+ would have opened over \d+ hourly windows/,
    );
    // Axes have titles with units, the rate axis starts at zero, time ticks are whole seconds at least.
    const axes = await page.evaluate(() => {
      type Chart = { axes: { label?: string; _values?: string[] }[]; scales: { y: { min: number } } };
      const charts = (window as unknown as { pulseCharts: Record<string, Chart> }).pulseCharts;
      return Object.fromEntries(
        Object.entries(charts).map(([id, c]) => [
          id,
          { titles: c.axes.map((a) => a.label), yMin: c.scales.y.min, ticks: c.axes[0]._values ?? [] },
        ]),
      );
    });
    for (const id of ['rate-chart', 'bytes-chart', 'history']) {
      expect(axes[id].yMin, id).toBe(0);
      expect(axes[id].titles[0], id).toBe('time (local)');
      expect(axes[id].ticks.join(' '), id).not.toMatch(/\d[.,]\d{3}\b/); // no sub-second tick labels
    }
    expect(axes['rate-chart'].titles[1]).toBe('messages / s');
    expect(axes['bytes-chart'].titles[1]).toBe('bytes / s');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-enterprise.png`, fullPage: true });
    await page.close();
  });

  it('on a phone (390 px) nothing scrolls sideways: tables scroll inside their panels, charts fit', async () => {
    const page = await browser.newPage({
      viewport: { width: 390, height: 1800 },
      deviceScaleFactor: 2,
      bypassCSP: true,
    });
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', enterprise.apiKey);
    await page.click('#signin-form button');
    await page.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), enterprise.id);
    await page.waitForFunction(() => (document.querySelector('#presence tbody')?.children.length ?? 0) > 0, undefined, {
      timeout: 10_000,
    });
    await page.waitForSelector('#history-chart canvas');
    expect(await scrollsSideways(page)).toBe(false);
    const chartWidth = await page.evaluate(
      () => document.querySelector('#rate-chart .uplot')?.getBoundingClientRect().width,
    );
    expect(chartWidth).toBeLessThanOrEqual(390);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-phone.png`, fullPage: true });
    await page.close();
  });

  /** A dashboard page signed in with `tenant`'s key. */
  const jetStreamPage = (tenant: CreatedTenant, width: number) => tenantPage(browser, pulse.url, tenant, width);

  const cells = (page: Page, table: string) =>
    page.$$eval(`#${table} tbody tr`, (trs) =>
      trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((td) => (td.textContent ?? '').trim())),
    );

  it('the JetStream panel shows a lagging consumer first, with time to drain and its lag chart, at 1280 and 390 px', async () => {
    for (const [width, shot] of [
      [1280, 'dashboard-jetstream.png'],
      [390, 'dashboard-jetstream-phone.png'],
    ] as const) {
      const page = await jetStreamPage(enterprise, width);
      await page.waitForFunction(() => (document.querySelector('#js-consumers tbody')?.children.length ?? 0) > 0);
      await page.waitForSelector('#js-lag-chart canvas');
      // Consumers worst first: pending, ack pending, redelivered, waiting, time to drain in words.
      const consumers = (await cells(page, 'js-consumers')).map((r) => r.map((c) => c.replace(/[,.\s\u202f]/g, '')));
      expect(consumers).toEqual([
        ['orders-worker', 'ORDERS', '48213', '250', '37', '0', 'notdraining'],
        ['billing-sync', 'BILLING', '3120', '12', '2', '0', '~3min'],
        ['orders-audit', 'ORDERS', '410', '3', '0', '4', '—'],
        ['archiver', 'AUDIT', '0', '0', '0', '2', 'drained'],
        ['invoices', 'BILLING', '0', '0', '0', '0', 'drained'],
      ]);
      expect(await page.getAttribute('#js-consumers tbody tr:first-child td:last-child', 'class')).toBe('not-draining');
      // Streams with how full they are (the worst limit), and what the poll left out.
      const streams = await cells(page, 'js-streams');
      expect(streams.map((r) => [r[0], r[3]])).toEqual([
        ['ORDERS', '91 % of max bytes'],
        ['BILLING', '3 % of max messages'],
        ['AUDIT', 'no limit'],
      ]);
      expect(streams[0][2]).toBe('61 MB');
      expect(await page.getAttribute('#js-streams meter', 'aria-label')).toBe('ORDERS: 91 % of max bytes');
      expect(await page.textContent('#js-omitted')).toContain('+ 12 more consumers');
      expect(await page.textContent('#js-note')).toMatch(/^3 streams, 5 consumers · Last poll /);
      // The lag chart: the worst consumers' pending per minute, the lagging one rising to its figure.
      const lag = await page.evaluate(() => {
        type Chart = { data: (number | null)[][]; series: { label?: string }[]; scales: { y: { min: number } } };
        const c = (window as unknown as { pulseCharts: Record<string, Chart> }).pulseCharts['js-lag-chart'];
        return {
          labels: c.series.map((s) => s.label),
          first: c.data[1],
          yMin: c.scales.y.min,
          points: c.data[0].length,
        };
      });
      expect(lag.labels.slice(1)).toEqual([
        'ORDERS/orders-worker',
        'BILLING/billing-sync',
        'ORDERS/orders-audit',
        'AUDIT/archiver',
        'BILLING/invoices',
      ]);
      expect(lag.points).toBe(60);
      expect(lag.first.at(-1)).toBe(48_213);
      expect(lag.first[0]).toBeLessThan(lag.first.at(-1)!);
      expect(lag.yMin).toBe(0);
      expect(await page.locator('#jetstream .lock-note').count()).toBe(0);
      expect(await accessibilityProblems(page)).toEqual([]);
      expect(await scrollsSideways(page)).toBe(false);
      await page.locator('#jetstream').screenshot({ path: `${ARTIFACTS}/${shot}` });
      await page.close();
    }
  });

  it('the JetStream panel: a tenant with no stream says so; professional has no lag chart (enterprise), basic no panel', async () => {
    const page = await jetStreamPage(professional, 1280);
    await page.waitForFunction(() =>
      (document.getElementById('js-note')?.textContent ?? '').startsWith('No JetStream streams in your namespace.'),
    );
    expect(await page.locator('#js-consumers tbody tr').count()).toBe(0);
    expect(await page.locator('#jetstream > .lock-note').count()).toBe(0);
    expect(await page.textContent('#jetstream [data-feature="jetstreamHistory"] > .lock-note')).toContain(
      'enterprise tier',
    );
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
    const locked = await jetStreamPage(basic, 1280);
    expect(await locked.textContent('#jetstream > .lock-note')).toContain('professional tier');
    await locked.close();
  });

  it('has an icon: the page names one and /favicon.ico leads to it', async () => {
    const res = await fetch(`${pulse.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('image/svg+xml');
    const html = await (await fetch(`${pulse.url}/dashboard/`)).text();
    expect(html).toContain('rel="icon"');
  });

  it('a basic key sees locked panels that name the tier that unlocks them', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, bypassCSP: true });
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', basic.apiKey);
    await page.click('#signin-form button');
    await page.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), basic.id);
    const notes = await page.locator('.lock-note').allTextContents();
    expect(notes.length).toBeGreaterThanOrEqual(4);
    expect(notes.some((n) => n.includes('professional tier'))).toBe(true);
    expect(notes.some((n) => n.includes('enterprise tier'))).toBe(true);
    await page.waitForSelector('#rate-chart canvas');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-basic.png`, fullPage: true });
    await page.close();
  });

  it('the operator console (admin key) lists tenants with live figures, sorts them, and shows Pulse itself', async () => {
    const page = await adminPage('operator.html');
    // The simulator's traffic shows: the enterprise tenant has messages today and clients online.
    await page.waitForFunction(
      (id) => {
        const row = [...document.querySelectorAll('#tenants tbody tr')].find((r) => r.textContent?.includes(id));
        const cells = row ? [...row.querySelectorAll('td')].map((td) => td.textContent ?? '') : [];
        return Number((cells[4] ?? '0').replace(/\D/g, '')) > 0 && !(cells[5] ?? '').startsWith('0 ');
      },
      enterprise.id,
      { timeout: 15_000 },
    );
    expect(Number(await page.textContent('#instance-count'))).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#nats')).toBe('connected');
    await page.waitForFunction(
      () => (document.querySelector('#top tbody')?.textContent ?? '').includes('dash-'),
      undefined,
      {
        timeout: 15_000,
      },
    );
    // Sorting by messages today puts the busiest first, and says so to assistive technology.
    await page.click('button[data-sort="messagesToday"]');
    expect(await page.getAttribute('#tenants th:nth-child(5)', 'aria-sort')).toBe('descending');
    const first = await page.textContent('#tenants tbody tr:first-child td:first-child');
    expect([enterprise.id, basic.id]).toContain(first);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/operator-console.png`, fullPage: true });
    // A tenant key is refused.
    const other = await browser.newPage();
    await other.goto(`${pulse.url}/dashboard/operator.html`);
    await other.fill('#key', enterprise.apiKey);
    await other.click('#signin-form button');
    await other.waitForFunction(() => (document.getElementById('signin-error')?.textContent ?? '').length > 0);
    expect(await other.textContent('#signin-error')).toContain('admin key');
    await other.close();
    await page.close();
  });

  it('the operator console shows JetStream: the status and the tenants by worst consumer', async () => {
    const page = await adminPage('operator.html');
    await page.waitForFunction(
      (id) => (document.querySelector('#js-worst tbody')?.textContent ?? '').includes(id),
      enterprise.id,
      { timeout: 10_000 },
    );
    const rows = await cells(page, 'js-worst');
    const mine = rows.find((r) => r[0] === enterprise.id);
    expect(mine?.slice(1, 5).map((c) => c.replace(/[,.\s\u202f]/g, ''))).toEqual([
      'ORDERS/orders-worker',
      '48213',
      '250',
      'notdraining',
    ]);
    // The professional tenant has no consumer: it is not listed.
    expect(rows.some((r) => r[0] === professional.id)).toBe(false);
    expect(await page.textContent('#jetstream')).toBe('ok');
    expect(await page.textContent('#js-status')).toContain("2 streams of no tenant (the operator's)");
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('the compliance report page (admin key) shows the deployment, the tenants with their keys, and prints', async () => {
    const page = await adminPage('compliance.html');
    const deployment = await page.textContent('#deployment');
    expect(deployment).toContain('TLS to NATS');
    expect(deployment).toContain('400 days');
    expect(await page.isVisible('#print')).toBe(true);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('#print')).toBe(false);
    await page.screenshot({ path: `${ARTIFACTS}/compliance-report.png`, fullPage: true });
    await page.close();
  });

  it('a wrong key is refused on the sign-in form', async () => {
    const page = await browser.newPage({ bypassCSP: true });
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', 'pk_wrongwrongwrongwrongwrongwrong');
    await page.click('#signin-form button');
    await page.waitForFunction(() => (document.getElementById('signin-error')?.textContent ?? '').length > 0);
    expect(await page.textContent('#signin-error')).toContain('not accepted');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });
});
