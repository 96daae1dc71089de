/// <reference lib="dom" />
import { Redis } from 'ioredis';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../src/common/time.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { NO_TENANT_LIMITS, type TenantLimits } from '../../src/tenants/tenant.js';
import { LimitWatch } from '../../src/usage/limit-watch.job.js';
import type { LimitUtilisation, UsageAnswer } from '../../src/usage/usage.types.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, scrollsSideways, tenantPage } from '../support/browser.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
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
import { FakeServerUsageReader, serverSnapshot, withServerUsageReader } from '../support/server-usage-fake.js';

const HOUR_MS = 3_600_000;

/** A limit card as the page shows it: its level (class and attribute), texts and bar. */
interface Card {
  limit: string;
  level: string | undefined;
  classes: string;
  head: string;
  figures: string;
  meta: string;
  forecast: string | null;
  /** The forecast's dates (the <time> elements' datetime), in order. */
  times: string[];
  bar: { now: string | null; text: string | null; label: string | null; width: number } | null;
}

/**
 * The dashboard's "Usage and limits" panel and the operator console's "Closest to a limit" in
 * headless Chromium, for a tenant near its limits: 4 of 5 connections (80 %, amber), 24 of 25
 * subscriptions (96 %, red), data and the monthly messages well under. The server's figures come
 * from the fake SERVER_USAGE_READER; the history's fields (the server's counters, the hours'
 * peaks the forecasts read) are written into the day and hour hashes as the usage minute and the
 * rollups would have (the rollup and the limit watch do not run by themselves here).
 */
describe('dashboard: usage and limits (headless Chromium)', () => {
  const options = testOptions({
    rollupIntervalMs: 3_600_000,
    usageLimitsIntervalMs: 3_600_000,
    alerting: { operatorLimits: 'all' },
  });
  const server = new FakeServerUsageReader();
  const keys = new HistoryKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let redis: Redis;
  let browser: Browser;
  let near: CreatedTenant;
  let unmeasured: CreatedTenant;

  /** The admin's limits on a tenant (written to its record as the admin route does), then re-read. */
  async function setLimits(id: string, limits: Partial<TenantLimits>) {
    await redis.hset(keys.shared.tenant(id), 'limits', JSON.stringify({ ...NO_TENANT_LIMITS, ...limits }));
    await pulse.app.get(TenantDirectory).sync(id);
  }

  /**
   * Twelve complete hours before the current one: connections' peak rising 1 → 4, subscriptions'
   * 12 → 23, 2,000 messages an hour published and 5× as many delivered; today's day hash with
   * 4 connections and 24 subscriptions at most, 3 connections refused.
   */
  async function seedHistory(id: string) {
    const now = Date.now();
    const current = Math.floor(now / HOUR_MS) * HOUR_MS;
    const connections = [1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4];
    const hour = { m: 2000, b: 240_000, sv_in_m: 2000, sv_in_b: 260_000, sv_out_m: 10_000, sv_out_b: 1_300_000 };
    for (let i = 0; i < 12; i++) {
      const start = current - (12 - i) * HOUR_MS;
      await redis.hset(keys.hour(id, start / 1000), {
        ...hour,
        cn_min: 60 * connections[i],
        cn_pk: connections[i],
        sub_pk: 12 + i,
      });
    }
    await redis.hset(keys.day(id, dayOf(now)), {
      m: 14_000,
      b: 1_680_000,
      sv_in_m: 14_000,
      sv_in_b: 1_820_000,
      sv_out_m: 70_000,
      sv_out_b: 9_100_000,
      cn_min: 1_500,
      rf_cn: 3,
      pl_max: 9_000,
      cn_pk: 4,
      sub_pk: 24,
    });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    redis = new Redis(SHARED_REDIS);
    pulse = await startPulse(options, withServerUsageReader(server));
    const created = await request<CreatedTenant>(pulse.url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN_KEY,
      body: { id: uniqueTenantId('dash-use'), tier: 'professional', monthlyMessageQuota: 3_000_000 },
    });
    near = created.body;
    unmeasured = await createTenant(pulse.url, uniqueTenantId('dash-nosys'), 'basic');
    const directory = pulse.app.get(TenantDirectory);
    await waitFor(async () => Boolean(directory.get(near.id) && directory.get(unmeasured.id)), Boolean);
    await setLimits(near.id, { connections: 5, subscriptions: 25, data: 100_000_000, payload: 1_048_576 });
    await setLimits(unmeasured.id, { connections: 10 });
    server.snapshots.set(near.id, serverSnapshot(near.id, { connections: 4, subscriptions: 24 }));
    await seedHistory(near.id);
    await redis.hset(keys.day(unmeasured.id, dayOf(Date.now())), { m: 120, b: 14_400 });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pulse?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /** The dashboard signed in with `tenant`'s key at `width`, once the usage panel has its limits. */
  async function usagePage(tenant: CreatedTenant, width: number): Promise<Page> {
    const page = await tenantPage(browser, pulse.url, tenant, width);
    await page.waitForFunction(() => (document.getElementById('limits')?.children.length ?? 0) > 0, undefined, {
      timeout: 10_000,
    });
    return page;
  }

  const cards = (page: Page): Promise<Card[]> =>
    page.$$eval('#limits > li', (items) =>
      items.map((li) => {
        const el = li as HTMLElement;
        const bar = el.querySelector<HTMLElement>('[role="progressbar"]');
        const fill = el.querySelector<HTMLElement>('.bar-fill');
        const forecast = el.querySelector('.forecast');
        return {
          limit: el.dataset.limit ?? '',
          level: el.dataset.level,
          classes: el.className,
          head: (el.querySelector('.limit-head')?.textContent ?? '').trim(),
          figures: (el.querySelector('.limit-figures')?.textContent ?? '').trim(),
          meta: (el.querySelector('p.muted')?.textContent ?? '').trim(),
          forecast: forecast ? (forecast.textContent ?? '').trim() : null,
          times: [...(forecast?.querySelectorAll('time') ?? [])].map((t) => t.dateTime),
          bar: bar
            ? {
                now: bar.getAttribute('aria-valuenow'),
                text: bar.getAttribute('aria-valuetext'),
                label: bar.getAttribute('aria-label'),
                width: fill && bar.clientWidth > 0 ? fill.getBoundingClientRect().width / bar.clientWidth : -1,
              }
            : null,
        };
      }),
    );

  const rows = (page: Page, table: string) =>
    page.$$eval(`#${table} tbody tr`, (trs) =>
      trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => (c.textContent ?? '').trim())),
    );

  /** The forecast's dates the page must show for `l` (those the sentence names, in order). */
  function forecastDates(l: LimitUtilisation): string[] {
    const f = l.forecast;
    if (!f || (l.utilisation ?? 0) >= 1) return [];
    if (f.reachedAt === null) return f.earliest ? [f.earliest] : [];
    if (f.earliest && f.latest && f.earliest !== f.latest) return [f.reachedAt, f.earliest, f.latest];
    return f.earliest && !f.latest ? [f.reachedAt, f.earliest] : [f.reachedAt];
  }

  it('1280 and 390 px: amber at 80 % of connections, red at 96 % of subscriptions, data under; used of max, peaks, forecast dates; today beside the server', async () => {
    const answer = (await request<UsageAnswer>(pulse.url, 'GET', '/api/v1/metrics/usage', { key: near.apiKey })).body;
    const byLimit = new Map(answer.limits.map((l) => [l.limit, l]));
    expect(byLimit.get('connections')).toMatchObject({ used: 4, max: 5, utilisation: 0.8, level: 'warning' });
    expect(byLimit.get('subscriptions')).toMatchObject({ used: 24, max: 25, utilisation: 0.96, level: 'critical' });
    // The forecasts the panel shows: rising peaks reach both within the week.
    expect(byLimit.get('connections')!.forecast?.reachedAt).not.toBeNull();
    expect(byLimit.get('subscriptions')!.forecast?.reachedAt).not.toBeNull();
    for (const [width, shot] of [
      [1280, 'dashboard-usage.png'],
      [390, 'dashboard-usage-phone.png'],
    ] as const) {
      const page = await usagePage(near, width);
      const shown = await cards(page);
      // One card per limit with a value, in the answer's order.
      expect(shown.map((c) => c.limit)).toEqual(['connections', 'subscriptions', 'payload', 'data', 'monthlyMessages']);
      const card = new Map(shown.map((c) => [c.limit, c]));
      const connections = card.get('connections')!;
      expect(connections).toMatchObject({ level: 'warning', figures: '4 of 5 connections · 80 %' });
      expect(connections.classes).toContain('level-warning');
      expect(connections.head).toMatch(/^Connections\s*warning$/);
      expect(connections.meta).toBe('Peak today 4 connections (80 %) · limit set by your operator');
      expect(connections.bar).toMatchObject({
        now: '80',
        text: '80 %: 4 of 5 connections, warning',
        label: 'Connections: share of the limit used',
      });
      expect(connections.bar!.width).toBeCloseTo(0.8, 1);
      const subscriptions = card.get('subscriptions')!;
      expect(subscriptions).toMatchObject({ level: 'critical', figures: '24 of 25 subscriptions · 96 %' });
      expect(subscriptions.classes).toContain('level-critical');
      expect(subscriptions.bar).toMatchObject({ now: '96', text: '96 %: 24 of 25 subscriptions, critical' });
      expect(subscriptions.meta).toBe('Peak today 24 subscriptions (96 %) · limit set by your operator');
      const data = card.get('data')!;
      expect(data).toMatchObject({ level: 'ok', figures: '11 MB of 100 MB · 10 %' });
      expect(data.classes).toContain('level-ok');
      expect(data.meta).toBe('limit set by your operator');
      expect(card.get('payload')).toMatchObject({
        level: 'ok',
        figures: '9 kB of 1 MB · < 1 %',
        meta: 'limit set by your operator',
        forecast: null,
      });
      expect(card.get('monthlyMessages')).toMatchObject({ figures: '14,000 of 3,000,000 messages · < 1 %' });
      // The forecast, or its absence, in words with the answer's dates.
      for (const limit of ['connections', 'subscriptions', 'data', 'monthlyMessages']) {
        const l = byLimit.get(limit as LimitUtilisation['limit'])!;
        const c = card.get(limit)!;
        expect(c.times, limit).toEqual(forecastDates(l));
        const f = l.forecast!;
        const horizon = f.method === 'quota' ? 'before the month ends' : 'within 7 days';
        if (f.reachedAt === null) expect(c.forecast, limit).toMatch(`Not forecast to reach the limit ${horizon}`);
        else if (f.earliest && f.latest && f.earliest !== f.latest)
          expect(c.forecast, limit).toMatch(/^Reaches the limit around .+ \(between .+ and .+\)\.$/);
        else expect(c.forecast, limit).toMatch(/^Reaches the limit around /);
      }
      // 2,000 messages an hour stay far under the monthly quota: not this month.
      expect(card.get('monthlyMessages')!.forecast).toBe('Not forecast to reach the limit before the month ends.');
      expect(await page.textContent('#limits-note')).toBe(
        'A bar turns amber at 80 % of its limit (warning) and red at 95 % (critical).',
      );
      // Today's figures: Pulse's count beside the server's, the fan-out, minutes, refusals.
      const figures = new Map((await rows(page, 'usage-figures')).map((r) => [r[0], r.slice(1)]));
      expect(figures.get('Published (counted by Pulse)')?.[0]).toBe('14,000 messages · 1.7 MB');
      expect(figures.get('Sent to the server (ingress)')?.[0]).toBe('14,000 messages · 1.8 MB');
      expect(figures.get('Delivered by the server (egress)')?.[0]).toBe('70,000 messages · 9.1 MB');
      expect(figures.get('Fan-out (egress ÷ ingress messages)')?.[0]).toBe('5×');
      expect(figures.get('Connection-minutes')?.[0]).toBe('1,500');
      expect(figures.get('Refused for a limit')?.[0]).toBe('3 connections · 0 messages too large · 0 subscriptions');
      expect(await page.isVisible('#usage-server')).toBe(false);
      expect(await page.textContent('#usage-note')).toMatch(/^Server figures as of /);
      expect(await scrollsSideways(page)).toBe(false);
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.locator('#usage').screenshot({ path: `${ARTIFACTS}/${shot}` });
      await page.close();
    }
  });

  it('the usage panel is reached by keyboard: Tab reaches its table', async () => {
    const page = await usagePage(near, 390);
    // Tab from the sign-out button until the usage table's region has focus.
    await page.focus('#signout');
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'Usage table: today and this month'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    }
    expect(focused).toBe('Usage table: today and this month');
    await page.close();
  });

  it('the operator console: the tenant is closest to a limit (subscriptions, critical) and its crossings are in the incidents', async () => {
    // One pass of the limit watch: the crossings (ALERT_OPERATOR_LIMITS=all) go to the incident log.
    expect(await pulse.app.get(LimitWatch).run()).not.toBeNull();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, bypassCSP: true });
    await page.goto(`${pulse.url}/dashboard/operator.html`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('#signin-form button');
    await page.waitForFunction(
      () => (document.querySelector('#closest-limits tbody tr')?.children.length ?? 0) > 1,
      undefined,
      {
        timeout: 10_000,
      },
    );
    const ranking = await request<{ tenants: { tenantId: string; reachedAt: string | null }[] }>(
      pulse.url,
      'GET',
      '/api/v1/admin/usage?limit=20',
      { key: ADMIN_KEY },
    );
    const closest = await rows(page, 'closest-limits');
    // The tenant without a measured use is not ranked.
    expect(closest.map((r) => r[0])).toEqual([near.id]);
    expect(closest[0].slice(1, 4)).toEqual(['Subscriptions', '96 % (24 of 25 subscriptions)', 'critical']);
    const reachedAt = ranking.body.tenants[0].reachedAt;
    expect(reachedAt).not.toBeNull();
    const shown = await page.evaluate(
      (iso) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso)),
      reachedAt!,
    );
    expect(closest[0][4]).toBe(shown);
    expect(await page.getAttribute('#closest-limits tbody tr', 'data-level')).toBe('critical');
    expect(await page.getAttribute('#closest-limits tbody td:nth-child(4)', 'class')).toBe('sev-critical');
    expect(await page.textContent('#closest-note')).toMatch(
      /^1 tenant has a measured limit · warning at 80 %, critical at 95 % · /,
    );
    // The crossings: subscriptions critical (red), connections warning (amber), both named as limit crossings.
    await page.waitForFunction(
      (id) =>
        [...document.querySelectorAll('#incidents li[data-incident="tenant_limit"]')].filter((li) =>
          li.textContent?.includes(id),
        ).length >= 2,
      near.id,
      { timeout: 10_000 },
    );
    const incidents = await page.$$eval('#incidents li[data-incident="tenant_limit"]', (lis) =>
      lis.map((li) => ({ text: li.textContent ?? '', className: li.className })),
    );
    const subscriptions = incidents.find(
      (i) => i.text.includes('subscriptions at 96 %') && i.text.includes('critical threshold'),
    );
    expect(subscriptions?.className).toBe('sev-critical');
    expect(subscriptions?.text).toContain(`limit crossing opened · instance `);
    expect(subscriptions?.text).toContain(
      `${near.id}: subscriptions at 96 % of the limit (24 of 25): past the critical threshold`,
    );
    expect(incidents.find((i) => i.text.includes('connections at 80 %'))?.className).toBe('sev-warning');
    expect(await scrollsSideways(page)).toBe(false);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/operator-usage.png`, fullPage: true });
    await page.close();
  });

  it('without a system account the panel says the server figures are off, what is missing, and that the limit is not measured', async () => {
    server.state = 'off';
    try {
      const page = await usagePage(unmeasured, 390);
      expect(await page.isVisible('#usage-server')).toBe(true);
      const note = await page.textContent('#usage-server');
      expect(note).toMatch(/^Server figures are off: this Pulse has no NATS system account/);
      expect(note).toContain('connection-minutes');
      const figures = new Map((await rows(page, 'usage-figures')).map((r) => [r[0], r.slice(1)]));
      expect(figures.get('Published (counted by Pulse)')?.[0]).toBe('120 messages · 14 kB');
      expect(figures.get('Sent to the server (ingress)')).toEqual(['not counted', 'not counted']);
      expect(figures.get('Delivered by the server (egress)')).toEqual(['not counted', 'not counted']);
      const [connections] = await cards(page);
      expect(connections).toMatchObject({
        limit: 'connections',
        level: 'ok',
        bar: null,
        forecast: null,
        figures: "Limit 10 connections · not measured: it needs the server's figures.",
      });
      // Basic keeps today and yesterday: the month's column says from when it counts.
      expect(await page.textContent('#usage-month')).toMatch(/^This month \(UTC(, from .+: the history kept)?\)$/);
      expect(await scrollsSideways(page)).toBe(false);
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.close();
    } finally {
      server.state = 'connected';
    }
  });
});
