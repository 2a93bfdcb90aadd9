/**
 * The web console in a real browser: Debian's headless Chromium driven by playwright-core against the local
 * gateway. Signs in, sends to 15550000001 and watches it reach delivered in the timeline, sends to 15550000007
 * and sees the error, searches by state (or sees why it cannot), tests the webhook, pauses a schedule, and saves
 * a screenshot of every page in .console-shots/ (gitignored). Without Chromium it fails, naming the fix.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, SENDER } from './helpers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', '..', '.console-shots');

let gw: LocalGateway;
let browser: Browser;
let page: Page;
let receiver: Server;
let receiverUrl: string;
let pings = 0;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      pings += 1;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  gw = await startLocalGateway({ accountTps: 50 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const go = async (hash: string) => {
  await page.goto(`${gw.apiUrl}/console/${hash}`);
  await page.waitForSelector('main#main h1');
};

async function compose(to: string, text: string): Promise<void> {
  await go('#/compose');
  await page.getByLabel('To (one number').fill(to);
  await page.getByLabel('Subject').fill('Console test');
  await page.getByLabel('Text', { exact: true }).fill(text);
  await page.getByLabel('Fallback SMS text').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.waitForURL(/#\/message\/mms_/);
}

describe('the web console in Chromium', () => {
  it('signs in with the team key, kept in sessionStorage only', async () => {
    await page.goto(`${gw.apiUrl}/console`);
    await page.getByLabel('Team API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await shot('sign-in');
    await page.getByLabel('Team API key').fill(gw.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('nav[aria-label="Pages"]');
    expect(await page.evaluate("sessionStorage.getItem('mms-console-key')")).toBe(gw.apiKey);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(page.url()).not.toContain(gw.apiKey);
  });

  it('composes and sends to 15550000001, and the timeline reaches delivered', async () => {
    await compose('15550000001', 'Hello from the console');
    await expect
      .poll(() => page.locator('.state .badge').textContent(), { timeout: 30_000 })
      .toBe('delivered');
    expect(await page.locator('.timeline li').count()).toBeGreaterThan(3);
    await shot('message-delivered');
  });

  it('sends to 15550000007 and shows the error', async () => {
    await compose('15550000007', 'This one is refused');
    await expect.poll(() => page.locator('.state .badge').textContent(), { timeout: 30_000 }).toBe('failed');
    expect(await page.locator('.state .error').textContent()).toMatch(/^E\d{3}|^GW-/);
    await shot('message-refused');
  });

  it('shows the compose form, a phone preview, and validation errors; readable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await go('#/compose');
    await page.getByLabel('To (one number').fill('+1 555');
    await page.getByLabel('Subject').fill('Spring sale');
    await page.getByLabel('Text', { exact: true }).fill('20 % off everything this weekend');
    await page.getByLabel('Image URL').fill('https://example.com/media/sale.jpg');
    expect(await page.locator('.phone .bubble').textContent()).toContain('20 % off');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('E110');
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot('compose-phone-width');
    await page.setViewportSize({ width: 1280, height: 900 });
    await go('#/compose');
    await page.getByLabel('Subject').fill('Spring sale');
    await page.getByLabel('Text', { exact: true }).fill('20 % off everything this weekend');
    await shot('compose');
  });

  it('searches messages by state where the gateway offers search, and says so where it does not', async () => {
    const offersSearch = JSON.stringify(
      (await call(`${gw.apiUrl}/v2/openapi.json`)).body.paths?.['/v2/messages' as never] ?? {},
    ).includes('"state"');
    await go('#/messages');
    await page.getByLabel('State').selectOption('delivered');
    await page.getByRole('button', { name: 'Search' }).click();
    if (offersSearch) {
      await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(0);
    } else {
      await expect.poll(() => page.getByRole('status').textContent()).toContain('not available');
    }
    await shot('messages');
  });

  it('sets the webhook, sends a test ping and lists the delivery', async () => {
    await go('#/webhook');
    await page.getByLabel('Webhook URL').fill(receiverUrl);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.secret code').textContent()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Send a test ping' }).click();
    await expect.poll(() => page.locator('#webhook-result').textContent()).toContain('Delivered: HTTP 200');
    expect(pings).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.locator('tbody tr').first().textContent()).toContain('mms.webhook-test');
    await shot('webhook');
  });

  it('pauses a schedule', async () => {
    const created = await call(`${gw.apiUrl}/v2/schedules`, {
      apiKey: gw.apiKey,
      body: {
        name: 'weekday reminders',
        schedule: 'cron(0 9 ? * MON-FRI *)',
        timezone: 'Europe/Stockholm',
        recipients: ['15550000001'],
        message: {
          action: 'sendmms',
          from: SENDER,
          'fallback-sms-text': 'Hi',
          slide: [{ 'message-text': 'Hi' }],
        },
      },
    });
    expect(created.status).toBe(201);
    const id = String(created.body['schedule-id']);
    await go('#/schedules');
    const row = page.locator(`tr[data-schedule="${id}"]`);
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('paused');
    const stored = await call(`${gw.apiUrl}/v2/schedules/${id}`, { apiKey: gw.apiKey });
    expect(stored.body.state).toBe('paused');
    await shot('schedules');
  });

  it('shows templates and the usage chart', async () => {
    await go('#/templates');
    await shot('templates');
    await go('#/usage');
    await page.waitForSelector('.chart svg rect');
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('usage');
  });
});
