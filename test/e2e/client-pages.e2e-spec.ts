/// <reference lib="dom" />
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
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
import { publisher, publishMany } from '../support/traffic.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, scrollsSideways } from '../support/browser.js';

const TIMEOUT_MS = 1500;
const WIDTHS = [1280, 390];

interface ClientPage {
  client: { clientId: string; status: string; metrics: { messagesSent: number; errors: number } };
  timeline: { type: string; at: string }[];
  offlinePeriods: { from: string; to: string | null; seconds: number | null }[];
  anomalies: unknown[] | null;
}

/** Client and subject pages, and the operator's read-only view of a tenant (issue #39), in headless Chromium. */
describe('client and subject pages, operator read-only view', () => {
  const options = testOptions({ heartbeatTimeoutMs: TIMEOUT_MS, offlineCheckIntervalMs: 250 });
  const keys = new RedisKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  let browser: Browser;
  let pro: CreatedTenant;
  let other: CreatedTenant;
  let basic: CreatedTenant;

  const get = <T = Record<string, unknown>>(t: CreatedTenant | string, path: string) =>
    request<T>(pulse.url, 'GET', `/api/v1${path}`, { key: typeof t === 'string' ? t : t.apiKey });

  /** Heartbeats of `clientId` every 300 ms until the returned function is called. */
  function beat(t: CreatedTenant, clientId: string, sent: () => number): () => void {
    const send = () =>
      sendHeartbeat(
        nc,
        t.id,
        clientId,
        heartbeat(t.id, clientId, {
          metrics: { messages_sent: sent(), messages_received: 7, errors: 2, uptime_seconds: 5 },
        }),
      );
    send();
    const timer = setInterval(send, 300);
    return () => clearInterval(timer);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    pulse = await startPulse(options);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
    pro = await createTenant(pulse.url, uniqueTenantId('pages-pro'), 'professional');
    other = await createTenant(pulse.url, uniqueTenantId('pages-other'), 'professional');
    basic = await createTenant(pulse.url, uniqueTenantId('pages-basic'), 'basic');
    await waitFor(async () => [pro, other, basic].every((t) => pulse.app.get(TenantDirectory).get(t.id)), Boolean);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await nc?.close();
    redis?.disconnect();
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  async function newPage(width: number): Promise<Page> {
    return browser.newPage({
      viewport: { width, height: 1200 },
      deviceScaleFactor: width < 500 ? 2 : 1,
      bypassCSP: true,
    });
  }

  it('a client page shows the offline period the test caused (1280 and 390 px, no serious axe violation)', async () => {
    // Heartbeats, then silence past the timeout (the detector marks it offline), then back.
    let sent = 10;
    let stop = beat(pro, 'app-1', () => (sent += 5));
    await waitFor(
      () => get<ClientPage>(pro, '/metrics/clients/app-1'),
      (r) => r.status === 200,
    );
    stop();
    await waitFor(
      () => get<ClientPage>(pro, '/metrics/clients/app-1'),
      (r) => r.body.client?.status === 'offline' && r.body.timeline.some((e) => e.type === 'offline'),
      { timeoutMs: 15_000 },
    );
    // Offline a while (2 s) before the heartbeats resume.
    await new Promise((r) => setTimeout(r, 2000));
    stop = beat(pro, 'app-1', () => (sent += 5));
    const page = await waitFor(
      () => get<ClientPage>(pro, '/metrics/clients/app-1'),
      (r) => r.body.client.status === 'healthy' && r.body.offlinePeriods.some((p) => p.to !== null),
      { timeoutMs: 15_000 },
    );
    stop();
    expect(page.body.timeline.map((e) => e.type).slice(0, 2)).toEqual(['online', 'offline']);
    const period = page.body.offlinePeriods[0];
    expect(period.seconds).toBeGreaterThanOrEqual(1.5);
    expect(page.body.client.metrics).toMatchObject({ errors: 2 });
    expect(page.body.anomalies).toBeNull(); // professional: no anomaly detection

    for (const width of WIDTHS) {
      const tab = await newPage(width);
      await tab.goto(`${pulse.url}/dashboard/client.html?id=app-1`);
      await tab.fill('#key', pro.apiKey);
      await tab.click('#signin-form button');
      await tab.waitForSelector('#offline tbody tr.offline-period');
      expect(tab.url()).not.toContain(pro.apiKey);
      expect(await tab.textContent('#client-title')).toBe('Client app-1');
      expect(await tab.textContent('#offline tbody')).toContain('s');
      expect(await tab.locator('#timeline li.tl-offline').count()).toBeGreaterThan(0);
      expect(await tab.textContent('#c-errors')).toBe('2');
      expect(await accessibilityProblems(tab)).toEqual([]);
      expect(await scrollsSideways(tab)).toBe(false);
      await tab.screenshot({ path: `${ARTIFACTS}/client${width < 500 ? '-phone' : ''}.png`, fullPage: true });
      await tab.close();
    }
  }, 60_000);

  it('the client list filters on the server; a client page is scoped to the key and validated', async () => {
    const stops = ['web-1', 'web-2', 'job-1'].map((id) => beat(other, id, () => 1));
    try {
      await waitFor(
        () => get<{ summary: { online: number } }>(other, '/metrics/presence'),
        (r) => r.body.summary.online === 3,
      );
    } finally {
      for (const stop of stops) stop();
    }
    const found = await get<{ clients: { clientId: string }[]; nextCursor: string }>(
      other,
      '/metrics/presence?search=web-*&limit=1',
    );
    expect(found.body.clients.map((c) => c.clientId)).toEqual(['web-1']);
    const next = await get<{ clients: { clientId: string }[]; nextCursor: string | null }>(
      other,
      `/metrics/presence?search=web-*&limit=1&cursor=${found.body.nextCursor}`,
    );
    expect(next.body.clients.map((c) => c.clientId)).toEqual(['web-2']);
    expect((await get<{ clients: unknown[] }>(other, '/metrics/presence?search=ob')).body.clients).toMatchObject([
      { clientId: 'job-1' },
    ]);
    // Most recently seen first: job-1 heartbeats once more, later than the others.
    sendHeartbeat(nc, other.id, 'job-1', heartbeat(other.id, 'job-1'));
    await nc.flush();
    type Listed = { clients: { clientId: string }[]; nextCursor: string | null };
    const recent = await waitFor(
      () => get<Listed>(other, '/metrics/presence?sort=lastSeen&limit=2'),
      (r) => r.body.clients[0]?.clientId === 'job-1',
    );
    expect(recent.body.clients.map((c) => c.clientId)[0]).toBe('job-1');
    const rest = await get<Listed>(other, `/metrics/presence?sort=lastSeen&limit=2&cursor=${recent.body.nextCursor}`);
    expect([...recent.body.clients, ...rest.body.clients].map((c) => c.clientId).sort()).toEqual([
      'job-1',
      'web-1',
      'web-2',
    ]);
    const webRecent = await get<Listed>(other, '/metrics/presence?sort=lastSeen&search=web*');
    expect(webRecent.body.clients.map((c) => c.clientId).sort()).toEqual(['web-1', 'web-2']);
    const badSort = await get(other, '/metrics/presence?sort=errors');
    expect(badSort.status).toBe(400);
    expect(JSON.stringify(badSort.body)).toContain('sort');
    // A cursor of one sort is refused by the other.
    expect((await get(other, `/metrics/presence?cursor=${recent.body.nextCursor}`)).status).toBe(400);
    const long = await get(other, `/metrics/presence?search=${'a'.repeat(129)}`);
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain('search');
    expect((await get(basic, '/metrics/presence?search=web')).status).toBe(403);

    // Another tenant's client is not found; a malformed id is refused naming the field.
    const elsewhere = await get(pro, '/metrics/clients/web-1');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ code: 'CLIENT_NOT_FOUND' });
    expect((await get(other, '/metrics/clients/web-1')).status).toBe(200);
    const bad = await get(pro, '/metrics/clients/bad.id');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('clientId');
    expect((await get(basic, '/metrics/clients/app-1')).status).toBe(403);
  }, 30_000);

  it("subjects sort, filter and page on the server; a subject's page gives its daily history and share", async () => {
    await publishMany(nc, 60, (i) => `tenant.${other.id}.orders.${i % 3 === 0 ? 'eu' : 'us'}`, 20);
    await publishMany(nc, 20, () => `tenant.${other.id}.audit.log`, 20);
    interface SubjectPage {
      total: number;
      subjects: { subject: string; messages: number }[];
    }
    const all = await waitFor(
      () => get<SubjectPage>(other, '/metrics/subjects'),
      (r) => r.body.subjects?.reduce((n, s) => n + s.messages, 0) === 80,
    );
    expect(all.body.subjects.map((s) => s.messages)).toEqual([40, 20, 20]);
    const orders = await get<SubjectPage>(
      other,
      '/metrics/subjects?filter=*.orders.*&sort=subject&order=desc&limit=1&offset=1',
    );
    expect(orders.body.total).toBe(2);
    expect(orders.body.subjects.map((s) => s.subject)).toEqual([`tenant.${other.id}.orders.eu`]);
    const bad = await get(other, '/metrics/subjects?sort=latency');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('sort');
    expect((await get(basic, '/metrics/subjects')).status).toBe(403);

    const subject = encodeURIComponent(`tenant.${other.id}.orders.us`);
    const detail = await get<{ messages: number; share: number; days: { messages: number; share: number }[] }>(
      other,
      `/metrics/subjects/${subject}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.messages).toBe(40);
    expect(detail.body.share).toBeCloseTo(0.5, 5);
    const unseen = await get(pro, `/metrics/subjects/${subject}`);
    expect(unseen.status).toBe(404);
    expect(unseen.body).toMatchObject({ code: 'SUBJECT_NOT_FOUND' });

    const tab = await newPage(1280);
    await tab.goto(`${pulse.url}/dashboard/subject.html?subject=${subject}`);
    await tab.fill('#key', other.apiKey);
    await tab.click('#signin-form button');
    await tab.waitForSelector('#days tbody tr');
    expect(await tab.textContent('#s-share')).toBe('50 %');
    expect(await accessibilityProblems(tab)).toEqual([]);
    await tab.close();
  }, 30_000);

  it('the operator opens a tenant read-only from the console: audited, writes refused (1280 and 390 px)', async () => {
    const view = { 'x-pulse-view-tenant': other.id };
    const asViewer = (method: string, path: string, body?: unknown) =>
      fetch(`${pulse.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...view,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // Before the operator opens the view, the admin key reads nothing of the tenant.
    expect((await asViewer('GET', '/metrics/realtime')).status).toBe(403);

    for (const width of WIDTHS) {
      const page = await newPage(width);
      await page.goto(`${pulse.url}/dashboard/operator.html`);
      await page.fill('#key', ADMIN_KEY);
      await page.click('#signin-form button');
      const open = page.getByRole('button', { name: `Open read-only: ${other.id}` });
      await open.waitFor({ timeout: 10_000 });
      expect(await accessibilityProblems(page)).toEqual([]);
      await open.click();
      await page.waitForURL(`**/dashboard/?view=${other.id}`);
      await page.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), other.id);
      expect(page.url()).not.toContain(ADMIN_KEY);
      expect(await page.textContent('.view-banner')).toContain(`Read-only view of tenant ${other.id}`);
      expect(await page.isVisible('#backtest-run')).toBe(false);
      // The client list links to the client page, in the same view.
      const link = page.locator('#presence tbody a', { hasText: 'job-1' });
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(`client.html?id=job-1&view=${other.id}`);
      expect(await accessibilityProblems(page)).toEqual([]);
      expect(await scrollsSideways(page)).toBe(false);
      // From the tenant, to its worst consumer's panel.
      await page.getByRole('link', { name: 'Worst consumer' }).click();
      expect(page.url()).toContain('#jetstream');
      if (width === 1280) await page.screenshot({ path: `${ARTIFACTS}/operator-view.png` });
      await page.close();
    }

    // The opening is in the audit trail, as the admin's.
    const audit = await request<{ entries: { action: string; actor: { type: string }; target: string }[] }>(
      pulse.url,
      'GET',
      `/api/v1/admin/audit?tenantId=${other.id}&action=tenant.view`,
      { key: ADMIN_KEY },
    );
    expect(audit.body.entries.length).toBe(2);
    expect(audit.body.entries[0]).toMatchObject({
      action: 'tenant.view',
      actor: { type: 'admin' },
      target: `tenant:${other.id}`,
    });
    expect(await redis.exists(keys.adminView(other.id))).toBe(1);

    // Reads go through; every write is refused, and the tenant's own keys are untouched.
    expect((await asViewer('GET', '/metrics/realtime')).status).toBe(200);
    const write = await asViewer('POST', '/alerts/rules', { name: 'x' });
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ code: 'READ_ONLY_VIEW' });
    expect((await asViewer('DELETE', '/events/subscriptions/sub_x')).status).toBe(403);
    // The view is of that tenant only: the admin key reads no other through it.
    const elsewhere = await fetch(`${pulse.url}/api/v1/metrics/realtime`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-pulse-view-tenant': pro.id },
    });
    expect(elsewhere.status).toBe(403);
  }, 90_000);
  // A fragment is the visitor's to type: one that is not valid percent-encoding is no target.
  for (const path of ['/dashboard/#%E0', '/dashboard/client.html?id=x#%']) {
    it(`a malformed fragment (${path}) is ignored: the page signs in and draws, the key is kept`, async () => {
      const tab = await newPage(1280);
      await tab.goto(`${pulse.url}${path}`);
      await tab.fill('#key', pro.apiKey);
      await tab.click('#signin-form button');
      if (path.includes('client.html'))
        await tab.waitForFunction(() => document.getElementById('client-note')?.textContent?.includes('No client x'));
      else await tab.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), pro.id);
      expect(await tab.isHidden('#signin')).toBe(true);
      expect(await tab.isVisible('#app')).toBe(true);
      expect((await tab.textContent('#signin-error')) ?? '').toBe('');
      expect(await tab.evaluate(() => sessionStorage.getItem('pulse.apiKey'))).toBe(pro.apiKey);
      await tab.close();
    });
  }
});
