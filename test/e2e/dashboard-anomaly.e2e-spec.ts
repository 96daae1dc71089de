/// <reference lib="dom" />
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import type { Anomaly } from '../../src/anomalies/anomaly.js';
import { AnomalyEvents } from '../../src/anomalies/anomaly-events.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { burstAndSpike } from '../support/anomaly-story.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, scrollsSideways } from '../support/browser.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { HttpReceiver, localAlerting, localChannels, SmtpReceiver } from '../support/receivers.js';
import { publisher } from '../support/traffic.js';

/**
 * An anomaly opens its story (issue #39): the link in every alert message lands on the anomaly's
 * view in a real headless Chromium, which shows the expected band and the subject that caused it.
 */
describe('anomaly story in the dashboard (headless Chromium)', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let options: ReturnType<typeof testOptions>;
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let browser: Browser;
  let tenant: CreatedTenant;
  let anomaly: Anomaly;
  const links = new Map<string, string>();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    http = await new HttpReceiver().start();
    smtp = await new SmtpReceiver().start();
    options = testOptions({ alerting: localAlerting(http, smtp) });
    pulse = await startPulse(options);
    // PULSE_PUBLIC_URL is this Pulse's own address, known once it listens (alerting reads it per alert).
    options.alerting.publicUrl = pulse.url;
    nc = await publisher();
    tenant = await createTenant(pulse.url, uniqueTenantId('story-dash'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(tenant.id), Boolean);
    for (const c of localChannels(http, 'rkstory0001')) {
      const res = await request(pulse.url, 'POST', '/api/v1/alerts/channels', { key: tenant.apiKey, body: c });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    // The window's burst: a subject quiet so far carries most of its messages.
    anomaly = await burstAndSpike(pulse, nc, tenant);
    // Told as the detection job tells it: alerting sends it to every channel.
    await pulse.app.get(AnomalyEvents).changed(tenant.id, 'opened', anomaly);
    await pulse.app.get(AlertingService).settle();
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await nc?.close();
    await pulse?.close();
    await http?.stop();
    await smtp?.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('every alert message carries the link to the anomaly’s view, and never the key', async () => {
    const body = (path: string) => {
      const r = http.requests.find((x) => x.path.startsWith(path));
      expect(r, path).toBeDefined();
      return JSON.parse(r!.body) as Record<string, unknown>;
    };
    const slack = JSON.stringify(body('/slack/'));
    links.set('slack', /<(http[^|>]+)\|Open the anomaly's story>/.exec(slack)?.[1] ?? '');
    links.set('pagerduty', (body('/pagerduty') as { links: { href: string }[] }).links[0].href);
    links.set('webhook', (body('/hook') as { data: { link: string } }).data.link);
    // The e-mail's text part is quoted-printable: soft breaks and `=3D` undone.
    const mail = smtp.messages[0]?.data.replace(/=\r?\n/g, '').replaceAll('=3D', '=') ?? '';
    links.set('email', /Story: (\S+)/.exec(mail)?.[1] ?? '');
    const expected = `${pulse.url}/dashboard/#anomaly=${anomaly.id}`;
    for (const [channel, link] of links) {
      expect(link, channel).toBe(expected);
      expect(link, channel).not.toContain(tenant.apiKey);
    }
    expect(links.size).toBe(4);
  });

  /** The alert's link opened in a fresh tab `width` px wide, signed in when the dashboard asks. */
  async function openLink(width: number): Promise<Page> {
    const page = await browser.newPage({
      viewport: { width, height: 1400 },
      deviceScaleFactor: width < 500 ? 2 : 1,
      bypassCSP: true,
    });
    await page.goto(links.get('slack') ?? '');
    await page.fill('#key', tenant.apiKey);
    await page.click('#signin-form button');
    await page.waitForFunction(
      (subject) => (document.querySelector('#story-subjects tbody')?.textContent ?? '').includes(subject),
      `tenant.${tenant.id}.payments.retry`,
      { timeout: 15_000 },
    );
    return page;
  }

  const bandOf = (page: Page) =>
    page.evaluate(() => {
      type Chart = { data: (number | null)[][]; series: { label: string }[] };
      const c = (window as unknown as { PulseAnomaly: { chart(): Chart } }).PulseAnomaly.chart();
      const count = (i: number) => c.data[i].filter((v) => v !== null).length;
      return { labels: c.series.map((s) => s.label), values: count(1), upper: count(2), lower: count(3) };
    });

  for (const [width, shot] of [
    [1280, 'anomaly-story.png'],
    [390, 'anomaly-story-phone.png'],
  ] as const) {
    it(`at ${width} px the link lands on the anomaly's view: expected band, the subject that caused it, detector and score`, async () => {
      const page = await openLink(width);
      expect(page.url()).toBe(links.get('slack'));
      expect(page.url()).not.toContain(tenant.apiKey);
      expect(await page.isVisible('#anomaly-story')).toBe(true);
      const subjects = await page.$$eval('#story-subjects tbody tr', (trs) =>
        trs.map((tr) => (tr as HTMLTableRowElement).cells[0].textContent),
      );
      expect(subjects[0]).toBe(`tenant.${tenant.id}.payments.retry`);
      const facts = (await page.textContent('#story-facts')) ?? '';
      expect(facts).toContain('spike');
      expect(facts).toContain('0.9995');
      expect(facts).toMatch(/40\s*–\s*60/);
      const band = await bandOf(page);
      expect(band.labels).toEqual(['time', 'messages', 'upper', 'lower', 'expected', 'anomaly']);
      expect(band.upper).toBeGreaterThan(10);
      expect(band.lower).toBe(band.upper);
      expect(band.values).toBeGreaterThan(0);
      expect((await page.textContent('#story-clients')) ?? '').toContain('worker-1');
      expect(await scrollsSideways(page)).toBe(false);
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.locator('#anomaly-story').screenshot({ path: `${ARTIFACTS}/${shot}` });
      await page.close();
    });
  }

  it('the anomaly list opens the same view, and Close leaves it', async () => {
    const page = await openLink(1280);
    await page.click('#story-close');
    await page.waitForFunction(() => document.getElementById('anomaly-story')?.hidden === true);
    await page.waitForSelector(`#anomalies a[href="#anomaly=${anomaly.id}"]`);
    await page.click(`#anomalies a[href="#anomaly=${anomaly.id}"]`);
    await page.waitForFunction(() => (document.getElementById('story-title')?.textContent ?? '').includes('spike'));
    expect(await page.isVisible('#anomaly-story')).toBe(true);
    await page.close();
  });

  it('the anomaly’s marker on the history chart opens its view', async () => {
    const page = await openLink(1280);
    await page.click('#story-close');
    await page.waitForFunction(() => document.getElementById('anomaly-story')?.hidden === true);
    // The marker: the point of the history chart's anomalies series, where the chart draws it
    // (relative to the plot; a pixel inside it: the current bucket's point is on its right edge).
    const marker = await page.waitForFunction(
      () => {
        type Chart = { data: (number | null)[][]; valToPos(v: number, s: string): number; over: HTMLElement };
        const u = (window as unknown as { pulseCharts: { history?: Chart } }).pulseCharts.history;
        const i = u?.data[2].findIndex((v) => v !== null) ?? -1;
        if (!u || i < 0) return null;
        const width = u.over.getBoundingClientRect().width;
        return {
          x: Math.min(u.valToPos(u.data[0][i] as number, 'x'), width - 1),
          y: u.valToPos(u.data[2][i] as number, 'y'),
        };
      },
      undefined,
      { timeout: 15_000 },
    );
    const position = (await marker.jsonValue()) as { x: number; y: number };
    // Clicked where the element is when clicked (the panels above it change height as they load).
    await page.locator('#history-chart .u-over').click({ position });
    await page.waitForFunction(() => document.getElementById('anomaly-story')?.hidden === false);
    expect(page.url()).toContain(`#anomaly=${anomaly.id}`);
    await page.close();
  });

  it('a story the tenant cannot have is refused in words, not shown', async () => {
    const other = await createTenant(pulse.url, uniqueTenantId('story-other'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(other.id), Boolean);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, bypassCSP: true });
    await page.goto(links.get('slack') ?? '');
    await page.fill('#key', other.apiKey);
    await page.click('#signin-form button');
    await page.waitForFunction(() => (document.getElementById('story-error')?.textContent ?? '').length > 0);
    expect(await page.textContent('#story-error')).toContain('No such anomaly');
    expect((await page.textContent('#story-subjects')) ?? '').not.toContain('payments');
    await page.close();
  });
});
