/**
 * The cross-browser tests: a Chromium page and a Firefox page in one room of a real relay, driven
 * from node with puppeteer-core (Chromium over CDP, Firefox over WebDriver BiDi). The relay serves
 * the build (`dist/browser/`: the loader and the elements' modules; `npm test` builds first) and the
 * test page (tests/cross/pages), so both pages reach it same-origin at `/signal`, as a page that
 * loads the loader from its relay does.
 */
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createRelay, type Relay } from '../../relay/index.js';
import { chromiumLaunchOptions, firefoxLaunchOptions } from '../../scripts/browsers.mjs';

/** How long to wait for something that should happen; generous, never asserted on. */
export const PATIENCE = 20_000;

const pages = fileURLToPath(new URL('./pages', import.meta.url));

/** A quiet relay on 127.0.0.1 serving the test page; `port` 0 picks a free one (a restart passes the old one). */
export async function startRelay(port = 0): Promise<Relay> {
  const relay = createRelay({ port, host: '127.0.0.1', logger: false, staticDirs: { demo: pages } });
  await relay.ready;
  return relay;
}

export interface Browsers {
  chromium: Browser;
  firefox: Browser;
}

/** Both browsers, headless with fake media. */
export async function launchBrowsers(): Promise<Browsers> {
  const launch = async (name: string, options: ReturnType<typeof chromiumLaunchOptions>) => {
    if (!options)
      throw new Error(`${name} is not installed (npm test installs it; or set its path, see scripts/browsers.mjs)`);
    return puppeteer.launch({ ...options, protocolTimeout: 60_000 });
  };
  const [chromium, firefox] = await Promise.all([
    launch('Chromium', chromiumLaunchOptions()),
    launch('Firefox', firefoxLaunchOptions()),
  ]);
  return { chromium, firefox };
}

export async function closeBrowsers(browsers: Browsers | undefined): Promise<void> {
  await Promise.all([browsers?.chromium.close(), browsers?.firefox.close()]);
}

/** A fresh page of the relay's test page, the loader loaded; closed after the test. */
export async function openPage(t: TestContext, browser: Browser, relay: Relay): Promise<Page> {
  const page = await browser.newPage();
  t.after(() => page.close().catch(() => {}));
  page.on('pageerror', (error) => {
    // Firefox reports a WebSocket that cannot connect (the relay is restarting) as a page error.
    if (!(error as Error).message.includes('can’t establish a connection')) console.error(`page error: ${error}`);
  });
  await page.goto(`http://127.0.0.1:${relay.port}/cross.html`);
  await page.evaluate('cross.ready()');
  return page;
}

/** Calls `cross.NAME(...args)` in the page (tests/cross/pages/cross.js) and returns its result. */
export function run<T = unknown>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  const list = args.map((arg) => JSON.stringify(arg)).join(', ');
  return page.evaluate(`cross.${name}(${list})`) as Promise<T>;
}

/** Polls `predicate` until it returns something truthy; rejects naming `what` after `timeout` ms. */
export async function until<T>(
  predicate: () => T | Promise<T>,
  what: string,
  timeout = PATIENCE,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let rooms = 0;
/** A room name no other test uses. */
export function uniqueRoom(prefix = 'cross'): string {
  rooms += 1;
  return `${prefix}-${process.pid}-${rooms}`;
}
