/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVENTS } from '../../src/config/pulse-options.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, scrollsSideways, tenantPage } from '../support/browser.js';
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
import { HttpReceiver } from '../support/receivers.js';

/**
 * The dashboard's event subscriptions panel in a real headless Chromium: a professional tenant
 * subscribes a receiver on loopback (private targets allowed, as the events e2e does), sends a
 * test and reads it in the delivery log; a basic tenant sees the tier it needs.
 */
describe('dashboard: event subscriptions (headless Chromium)', () => {
  const options = testOptions({
    alerting: { allowPrivateTargets: true },
    events: {
      ...DEFAULT_EVENTS,
      timeoutMs: 2000,
      retryBaseMs: 200,
      flushIntervalMs: 100,
      pollMs: 100,
      batchMaxWaitMs: 200,
    },
  });
  const receiver = new HttpReceiver();
  let pulse: RunningPulse;
  let browser: Browser;
  let pro: CreatedTenant;
  let basic: CreatedTenant;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await receiver.start();
    pulse = await startPulse(options);
    pro = await createTenant(pulse.url, uniqueTenantId('dash-ev-pro'), 'professional');
    basic = await createTenant(pulse.url, uniqueTenantId('dash-ev-basic'), 'basic');
    await waitFor(async () => [pro, basic].every((t) => pulse.app.get(TenantDirectory).get(t.id)), Boolean);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pulse?.close();
    await receiver.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /** An element's text as it is now (the panel's error line, its note, its list). */
  const panelText = (page: Page, id: string) =>
    page.evaluate((el) => document.getElementById(el)?.textContent ?? '', id);
  const logRows = (page: Page) =>
    page.$$eval('#ev-log tbody tr', (trs) =>
      trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((td) => (td.textContent ?? '').trim())),
    );
  /** Every URL the page asked for (the API key must be in none). */
  const urlsOf = (page: Page) => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    return urls;
  };

  it('a professional tenant subscribes a receiver, sends a test and sees it delivered (2xx) in the log; API errors in the panel', async () => {
    const page = await tenantPage(browser, pulse.url, pro, 1280);
    const urls = urlsOf(page);
    await page.waitForSelector('#ev-types input[value="client.online"]');
    expect(await page.isVisible('#ev-create')).toBe(true);
    expect(await page.locator('#events .lock-note').count()).toBe(0);
    // A type above the tier is offered disabled, naming the tier that has it.
    expect(await page.isDisabled('#ev-types input[value="anomaly.opened"]')).toBe(true);
    expect(await panelText(page, 'ev-types')).toContain('anomaly.opened (enterprise tier)');

    // The API's 400 names the field, in the panel (no alert dialog: one would fail the test).
    page.on('dialog', (d) => {
      throw new Error(`unexpected dialog: ${d.message()}`);
    });
    await page.fill('#ev-url', `${receiver.url}/hook`);
    await page.click('#ev-create button[type="submit"]');
    await page.waitForFunction(() =>
      (document.getElementById('ev-error')?.textContent ?? '').includes('types must be'),
    );
    expect(await panelText(page, 'ev-error')).toContain('HTTP 400');

    // Subscribe, by keyboard for the checkboxes and the submit.
    await page.focus('#ev-types input[value="client.online"]');
    await page.keyboard.press('Space');
    await page.check('#ev-types input[value="client.offline"]');
    await page.fill('#ev-filter', 'sensor-*');
    await page.focus('#ev-create button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#ev-subs li.sub');
    const secret = await panelText(page, 'ev-secret-value');
    expect(secret).toMatch(/^whsec_/);
    expect(await panelText(page, 'ev-error')).toBe('');
    const card = await panelText(page, 'ev-subs');
    expect(card).toContain(`${receiver.url}/hook`);
    expect(card).toContain('client.online, client.offline');
    expect(card).toContain('ids matching sensor-*');
    expect(card).toContain('active events are sent as they happen');
    // `dropped` counts the backlog's trims and the in-memory buffer's drops alike.
    expect(card).toContain('0 dropped (backlog or buffer full)');
    // The secret is shown once: hidden, it is gone from the page.
    await page.click('#ev-secret-hide');
    expect(await page.isHidden('#ev-secret')).toBe(true);
    expect(await page.content()).not.toContain(secret);

    // Send a test: the receiver gets it, the note says 200, the log shows it with status 200.
    await page.click('#ev-subs li.sub button:has-text("Send test")');
    await page.waitForFunction(() => (document.getElementById('ev-note')?.textContent ?? '').startsWith('Test sent'));
    expect(await panelText(page, 'ev-note')).toContain('HTTP 200');
    expect(receiver.on('/hook').map((r) => r.status)).toEqual([200]);
    await page.click('#ev-subs li.sub button:has-text("Delivery log")');
    await page.waitForFunction(() => (document.querySelector('#ev-log tbody tr td')?.textContent ?? '') !== '');
    const [first] = await logRows(page);
    expect(first[1]).toBe('test');
    expect(first[2]).toMatch(/^2\d\d$/);
    expect(first[3]).toMatch(/^\d[\d,.\s\u202f]* ms$/);
    expect(first[4]).toBe('0');

    // Pause (the reason shown), resume, replay from a time, rotate (a new secret, shown once).
    // By keyboard: the list is drawn again, and the focus stays on that card's button.
    await page.focus('#ev-subs li.sub button:has-text("Pause")');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      (document.querySelector('#ev-subs li.sub')?.className ?? '').includes('sub-paused'),
    );
    expect(await panelText(page, 'ev-subs')).toContain('paused by the tenant');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Resume');
    await page.click('#ev-subs li.sub button:has-text("Resume")');
    await page.waitForFunction(() =>
      (document.querySelector('#ev-subs li.sub')?.className ?? '').includes('sub-active'),
    );
    const local = new Date(Date.now() - 10 * 60_000 - new Date().getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 19);
    await page.fill('#ev-replay-from', local);
    await page.click('#ev-replay button[type="submit"]');
    await page.waitForFunction(() => (document.getElementById('ev-note')?.textContent ?? '').startsWith('Replay to'));
    // Further back than the professional tier keeps events: the 403 names the tier's retention.
    const old = new Date(Date.now() - 48 * 3_600_000 - new Date().getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 19);
    await page.fill('#ev-replay-from', old);
    await page.click('#ev-replay button[type="submit"]');
    await page.waitForFunction(() => (document.getElementById('ev-error')?.textContent ?? '').includes('HTTP 403'));
    expect(await panelText(page, 'ev-error')).toContain('24 h');
    await page.click('#ev-subs li.sub button:has-text("Rotate secret")');
    await page.waitForFunction((s) => {
      const v = document.getElementById('ev-secret-value')?.textContent ?? '';
      return v.startsWith('whsec_') && v !== s;
    }, secret);

    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    await page.locator('#events').screenshot({ path: `${ARTIFACTS}/events.png` });
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => u.includes(pro.apiKey))).toEqual([]);
    expect(page.url()).not.toContain(pro.apiKey);
    await page.close();
  });

  it('on a phone (390 px): the subscription and its log fit, by keyboard; delete asks twice', async () => {
    const page = await tenantPage(browser, pulse.url, pro, 390);
    await page.waitForSelector('#ev-subs li.sub');
    // Keyboard: the card's "Delivery log" button, focused and pressed.
    await page.focus('#ev-subs li.sub button:has-text("Delivery log")');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (document.querySelector('#ev-log tbody tr td')?.textContent ?? '') !== '');
    expect((await logRows(page)).some((r) => /^2\d\d$/.test(r[2]))).toBe(true);
    expect(await scrollsSideways(page)).toBe(false);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.locator('#events').screenshot({ path: `${ARTIFACTS}/events-phone.png` });
    // A receiver answering 503: the test says so, and the log shows the status apart (not 2xx).
    receiver.plan('/hook', [503]);
    await page.click('#ev-subs li.sub button:has-text("Send test")');
    await page.waitForFunction(() => (document.getElementById('ev-note')?.textContent ?? '').startsWith('Test to'));
    expect(await panelText(page, 'ev-note')).toContain('failed: HTTP 503');
    await page.waitForFunction(() => document.querySelector('#ev-log tbody tr')?.className === 'not-ok');
    expect((await logRows(page))[0].slice(1, 3)).toEqual(['test', '503']);
    const del = page.locator('#ev-subs li.sub button:has-text("Delete")');
    await del.click();
    expect(await page.locator('#ev-subs li.sub').count()).toBe(1);
    await page.focus('#ev-subs li.sub button:has-text("Press again to delete")');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#ev-subs li.sub').length === 0);
    // The focus moves once the DELETE's answer and the list drawn again are both in (the card goes first).
    await page.waitForFunction(() => document.activeElement?.id === 'ev-list-note', undefined, { timeout: 5000 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ev-list-note');
    expect(await panelText(page, 'ev-list-note')).toContain('No subscriptions yet');
    expect(await page.isHidden('#ev-log-wrap')).toBe(true);
    await page.close();
  });

  it('a basic tenant sees the panel locked, naming the professional tier, with no form to reach', async () => {
    const page = await tenantPage(browser, pulse.url, basic, 1280);
    expect(await page.textContent('#events > .lock-note')).toContain('professional tier');
    expect(await page.isHidden('#ev-body')).toBe(true);
    expect(await page.isHidden('#ev-create')).toBe(true);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });
});
