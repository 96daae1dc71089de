/// <reference lib="dom" />
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { createTenant, type CreatedTenant } from '../support/http.js';
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
import { publisher, publishMany } from '../support/traffic.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, scrollsSideways, tenantPage } from '../support/browser.js';

interface Charts {
  pulseCharts: Record<string, { data: number[][]; scales: Record<string, { min: number; max: number }> }>;
}

/** The dashboard's time range (picker, drag to zoom, the URL), the live charts' start and the dark theme, in headless Chromium. */
describe('dashboard: time range, live start, dark theme (headless Chromium)', () => {
  const options = testOptions();
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let browser: Browser;
  let tenant: CreatedTenant;
  let traffic: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    pulse = await startPulse(options);
    nc = await publisher();
    tenant = await createTenant(pulse.url, uniqueTenantId('dash-time'), 'enterprise');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(tenant.id), Boolean);
    traffic = setInterval(() => void publishMany(nc, 20, (i) => `tenant.${tenant.id}.orders.s${i % 4}`, 80), 250);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    clearInterval(traffic);
    await browser?.close();
    await nc?.close();
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /** The analytics requests the page makes (their query), recorded from now on. */
  function analyticsRequests(page: Page): URLSearchParams[] {
    const seen: URLSearchParams[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/v1/metrics/analytics') seen.push(url.searchParams);
    });
    return seen;
  }

  const rangeShown = (page: Page) => page.textContent('#range-shown');
  const historyStart = (page: Page) =>
    page.evaluate(() => (window as unknown as Charts).pulseCharts.history.data[0][0]);
  const hashRange = (page: Page) => {
    const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
    return { from: hash.get('from'), to: hash.get('to') };
  };

  it("a basic key's live chart starts filled too (the first realtime read carries the last minutes' rates)", async () => {
    const basic = await createTenant(pulse.url, uniqueTenantId('dash-time-basic'), 'basic');
    const page = await tenantPage(browser, pulse.url, basic, 1280);
    const span = await page.evaluate(() => {
      const t = (window as unknown as Charts).pulseCharts['rate-chart']?.data[0] ?? [];
      return t.length ? t[t.length - 1] - t[0] : 0;
    });
    expect(span).toBeGreaterThanOrEqual(120);
    await page.close();
  });

  it("numbers are in the reader's locale with their units: German decimals and groups, no decimal point", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'de-DE', bypassCSP: true });
    await page.goto(`${pulse.url}/dashboard/`);
    await page.fill('#key', tenant.apiKey);
    await page.click('#signin-form button');
    // Latency percentiles (ms, with decimals) and the error rate once traffic has been measured.
    await page.waitForFunction(() => /\d/.test(document.getElementById('latency')?.textContent ?? ''), undefined, {
      timeout: 10_000,
    });
    const latency = (await page.textContent('#latency')) ?? '';
    const errors = (await page.textContent('#errors')) ?? '';
    expect(latency).toMatch(/^[\d.,]+ \/ [\d.,]+ \/ [\d.,]+$/);
    expect(latency).not.toMatch(/\d\.\d{1,2}(\D|$)/);
    expect(errors).toMatch(/^\d+,\d\d\s%\s\/\s\d+$/);
    // The history's range in German dates; the bytes chart's unit kept.
    await page.waitForFunction(() =>
      /\d{2}\.\d{2}\.\d{4}/.test(document.getElementById('range-shown')?.textContent ?? ''),
    );
    const unit = await page.evaluate(
      () =>
        (window as unknown as { pulseCharts: Record<string, { axes: { label: string }[] }> }).pulseCharts['bytes-chart']
          .axes[1].label,
    );
    expect(unit).toBe('bytes / s');
    await page.close();
  });

  for (const width of [1280, 390]) {
    it(`at ${width} px: the live chart starts with minutes of history; a drag on the history zooms, the URL keeps the range and a reload shows it again`, async () => {
      const page = await tenantPage(browser, pulse.url, tenant, width);
      expect(page.url()).not.toContain(tenant.apiKey);
      // Right after load the live chart already reaches minutes back: live points alone would span seconds.
      const span = await waitFor(
        () =>
          page.evaluate(() => {
            const t = (window as unknown as Charts).pulseCharts['rate-chart']?.data[0] ?? [];
            return t.length ? t[t.length - 1] - t[0] : 0;
          }),
        (s) => s >= 120,
        { timeoutMs: 5000 },
      );
      expect(span).toBeGreaterThanOrEqual(120);

      // The presets offered are those within the enterprise retention (30 days), 24 h shown first.
      await page.waitForFunction(() => (document.getElementById('range-shown')?.textContent ?? '').startsWith('24 h'));
      expect(await page.$$eval('#range-presets button', (bs) => bs.map((b) => b.textContent))).toEqual([
        '15 min',
        '1 h',
        '24 h',
        '7 days',
        '30 days',
      ]);
      // 1 h by keyboard: the preset's button pressed, the URL says so.
      await page.focus('#range-presets button[data-range="1h"]');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => (document.getElementById('range-shown')?.textContent ?? '').startsWith('1 h'));
      expect(new URL(page.url()).hash).toContain('range=1h');
      expect(await page.getAttribute('#range-presets button[data-range="1h"]', 'aria-pressed')).toBe('true');

      // A drag across the middle of the history chart zooms in.
      const before = await historyStart(page);
      const requests = analyticsRequests(page);
      const over = (await page.locator('#history-chart .u-over').boundingBox())!;
      const y = over.y + over.height / 2;
      await page.mouse.move(over.x + over.width * 0.3, y);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width * 0.5, y, { steps: 5 });
      await page.mouse.move(over.x + over.width * 0.7, y, { steps: 5 });
      await page.mouse.up();
      await page.waitForFunction(() => location.hash.includes('from=') && location.hash.includes('to='));
      const zoomed = hashRange(page);
      const from = Date.parse(zoomed.from!);
      const to = Date.parse(zoomed.to!);
      // About the middle 40 % of the hour shown.
      expect(to - from).toBeGreaterThan(15 * 60_000);
      expect(to - from).toBeLessThan(33 * 60_000);
      await page.waitForFunction(() =>
        (document.getElementById('range-shown')?.textContent ?? '').startsWith('Custom range'),
      );
      await waitFor(
        async () => requests.length,
        (n) => n > 0,
      );
      expect(requests.map((q) => [q.get('from'), q.get('to')])).toContainEqual([zoomed.from, zoomed.to]);
      const shown = await rangeShown(page);
      const start = await historyStart(page);
      expect(start).toBeGreaterThan(before);
      expect(start * 1000).toBeGreaterThanOrEqual(from - 60_000);
      // The zoomed view passes axe too (the range text, the pressed buttons and the chart changed).
      expect(await accessibilityProblems(page)).toEqual([]);

      // The same URL reloaded (the key stays in the tab's session storage, never in the URL): the same view.
      const again = analyticsRequests(page);
      await page.reload();
      await page.waitForFunction(() =>
        (document.getElementById('range-shown')?.textContent ?? '').startsWith('Custom range'),
      );
      expect(hashRange(page)).toEqual(zoomed);
      expect(again.map((q) => [q.get('from'), q.get('to')])).toContainEqual([zoomed.from, zoomed.to]);
      expect(await rangeShown(page)).toBe(shown);
      expect(await historyStart(page)).toBe(start);
      expect(await accessibilityProblems(page)).toEqual([]);
      // Back returns to the hour.
      await page.goBack();
      await page.waitForFunction(() => (document.getElementById('range-shown')?.textContent ?? '').startsWith('1 h'));
      expect(await scrollsSideways(page)).toBe(false);
      await page.close();
    });

    it(`at ${width} px: the dark theme (the system's setting) draws on a dark background, the charts too, and axe finds no serious problem`, async () => {
      const page = await tenantPage(browser, pulse.url, tenant, width);
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForSelector('#history-chart canvas');
      await page.waitForFunction(() =>
        (document.getElementById('history-note')?.textContent ?? '').includes('messages'),
      );
      const looks = await page.evaluate(() => {
        /** Relative luminance of an rgb() colour (WCAG). */
        const luminance = (css: string) => {
          const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
            const c = Number(v) / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const style = (el: Element | null) => getComputedStyle(el!);
        const chart = (
          window as unknown as {
            pulseCharts: Record<string, { axes: { stroke: (u: unknown, i: number) => string }[] }>;
          }
        ).pulseCharts.history;
        const probe = document.createElement('span');
        probe.style.color = chart.axes[0].stroke(chart, 0);
        document.body.append(probe);
        const axis = luminance(style(probe).color);
        probe.remove();
        return {
          body: luminance(style(document.body).backgroundColor),
          panel: luminance(style(document.querySelector('.panel')).backgroundColor),
          text: luminance(style(document.querySelector('.panel h2')).color),
          axis,
        };
      });
      expect(looks.body).toBeLessThan(0.05);
      expect(looks.panel).toBeLessThan(0.05);
      expect(looks.text).toBeGreaterThan(0.5);
      // The charts' axis labels follow the theme (light on dark).
      expect(looks.axis).toBeGreaterThan(0.5);
      expect(await scrollsSideways(page)).toBe(false);
      expect(await accessibilityProblems(page)).toEqual([]);
      const shot = `${ARTIFACTS}/dashboard-dark${width < 500 ? '-phone' : ''}.png`;
      await page.screenshot({ path: shot, fullPage: true });
      await page.locator('section:has(#history-chart)').screenshot({ path: shot.replace('.png', '-history.png') });
      await page.close();
    });
  }

  it('the operator console and the compliance report (they share the styles) take the dark theme too, and axe finds no serious problem', async () => {
    for (const file of ['operator.html', 'compliance.html']) {
      const page = await browser.newPage({
        viewport: { width: 1280, height: 1400 },
        colorScheme: 'dark',
        bypassCSP: true,
      });
      await page.goto(`${pulse.url}/dashboard/${file}`);
      await page.fill('#key', ADMIN_KEY);
      await page.click('#signin-form button');
      await page.waitForFunction(() => document.getElementById('app')?.hidden === false, undefined, {
        timeout: 10_000,
      });
      await page.waitForFunction(
        (id) => [...document.querySelectorAll('#tenants tbody tr')].some((r) => r.textContent?.includes(id)),
        tenant.id,
        { timeout: 10_000 },
      );
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background, file).toBe('rgb(14, 19, 28)');
      expect(await accessibilityProblems(page), file).toEqual([]);
      await page.close();
    }
  });
});
