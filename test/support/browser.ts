/// <reference lib="dom" />
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { CreatedTenant } from './http.js';

/** Where the browser tests write their screenshots (git-ignored; the README's are copies in docs/screenshots). */
export const ARTIFACTS = 'test/artifacts';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's serious and critical violations (the page must be opened with bypassCSP: axe is injected inline) on the page as it is now (WCAG 2 A/AA rules and best practices). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run({ resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'heading-order')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Whether the page scrolls sideways (wider than its viewport). */
export const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

/** Headless Chromium (CHROMIUM_PATH, else /usr/bin/chromium) as the browser tests run it. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * The dashboard at `pulseUrl` signed in with `tenant`'s key, `width` px wide (under 500: a phone's
 * pixel density), once the header names the tenant.
 */
export async function tenantPage(
  browser: Browser,
  pulseUrl: string,
  tenant: CreatedTenant,
  width: number,
): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width, height: 1400 },
    deviceScaleFactor: width < 500 ? 2 : 1,
    bypassCSP: true,
  });
  await page.goto(`${pulseUrl}/dashboard/`);
  await page.fill('#key', tenant.apiKey);
  await page.click('#signin-form button');
  await page.waitForFunction((id) => document.getElementById('who')?.textContent?.includes(id), tenant.id);
  return page;
}
