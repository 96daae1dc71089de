/// <reference lib="dom" />
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/simulator/simulation.js';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { createTenant, type CreatedTenant } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher } from '../support/traffic.js';

const ARTIFACTS = 'test/artifacts';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The built-in dashboard in a real headless Chromium, against a Pulse fed by the simulator. */
describe('dashboard (headless Chromium)', () => {
  const options = testOptions();
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let browser: Browser;
  let simulation: Simulation;
  let enterprise: CreatedTenant;
  let basic: CreatedTenant;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    pulse = await startPulse(options);
    nc = await publisher();
    enterprise = await createTenant(pulse.url, uniqueTenantId('dash-ent'), 'enterprise');
    basic = await createTenant(pulse.url, uniqueTenantId('dash-basic'), 'basic');
    await waitFor(async () => [enterprise, basic].every((t) => pulse.app.get(TenantDirectory).get(t.id)), Boolean);
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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await simulation?.stop();
    await nc?.close();
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

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
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
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
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-enterprise.png`, fullPage: true });
    await page.close();
  });

  it('a basic key sees locked panels that name the tier that unlocks them', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', basic.apiKey);
    await page.click('#signin-form button');
    await page.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), basic.id);
    const notes = await page.locator('.lock-note').allTextContents();
    expect(notes.length).toBeGreaterThanOrEqual(4);
    expect(notes.some((n) => n.includes('professional tier'))).toBe(true);
    expect(notes.some((n) => n.includes('enterprise tier'))).toBe(true);
    await page.waitForSelector('#rate-chart canvas');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-basic.png`, fullPage: true });
    await page.close();
  });

  it('a wrong key is refused on the sign-in form', async () => {
    const page = await browser.newPage();
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', 'pk_wrongwrongwrongwrongwrongwrong');
    await page.click('#signin-form button');
    await page.waitForFunction(() => (document.getElementById('signin-error')?.textContent ?? '').length > 0);
    expect(await page.textContent('#signin-error')).toContain('not accepted');
    await page.close();
  });
});
