#!/usr/bin/env node
// Screenshots of <rtc-doctor> in the states a person sees, at 1280x800 and 390x844, light and dark,
// into .screenshots/ (git-ignored): before a run, running (the microphone's meter moving, a relay
// that does not answer yet), everything passed (a relay handing out TURN credentials for a real
// coturn over UDP, TCP and TLS), and problems (behind an nginx that drops WebSocket upgrades, with a
// TURN secret coturn does not share), then after "Copy report" (copied, and shown to copy by hand
// where the clipboard cannot be written). Run `npm run build` first, then
//   node --import tsx scripts/screenshots-doctor.ts
// (where permitted it runs itself inside a loopback-only network namespace).
import { createServer, type Socket } from 'node:net';
import type { Page } from 'puppeteer-core';
import { startCoturn, tlsPublicKeyHash } from '../tests/coturn.js';
import { startNginx } from '../tests/nginx.js';
import { OUT, SCHEMES, SIZES, launchChromium, runOnLoopbackOnly } from './screenshot-kit.mjs';

runOnLoopbackOnly();
const { createRelay } = await import('../relay/index.js');
const SECRET = 'the secret the screenshots relay shares with coturn';

const coturn = await startCoturn(SECRET, { tls: true });
const relay = createRelay({ port: 0, host: '127.0.0.1', logger: false, turnSecret: SECRET, turnUrls: coturn.urls });
const misconfigured = createRelay({
  port: 0,
  host: '127.0.0.1',
  logger: false,
  turnSecret: 'not the secret coturn has',
  turnUrls: coturn.urls,
});
await Promise.all([relay.ready, misconfigured.ready]);
const base = `http://127.0.0.1:${relay.port}`;
const nginx = await startNginx(misconfigured.port!, 'naive');
// A relay that never answers: the checks stay running until their timeout.
const silent: Socket[] = [];
const blackHole = createServer((socket) => silent.push(socket)).listen(0, '127.0.0.1');
await new Promise((resolve) => blackHole.once('listening', resolve));
const blackHolePort = (blackHole.address() as { port: number }).port;

const browser = await launchChromium([`--ignore-certificate-errors-spki-list=${tlsPublicKeyHash()}`]);

try {
  for (const scheme of SCHEMES) {
    for (const { width, height } of SIZES) await shoot(scheme, width, height);
  }
} finally {
  await browser.close();
  await Promise.all([relay.close(), misconfigured.close(), nginx.stop(), coturn.stop()]);
  for (const socket of silent) socket.destroy();
  blackHole.close();
}

async function open(scheme: 'light' | 'dark', width: number, height: number, signaling = ''): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.log(`page: ${error}`));
  await page.setViewport({ width, height });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
  await page.goto(`${base}/doctor.html`);
  await page.waitForFunction(() => customElements.get('rtc-doctor'));
  await page.evaluate((url) => {
    const doctor = document.querySelector('rtc-doctor')!;
    doctor.signaling = url;
  }, signaling);
  return page;
}

async function snap(page: Page, name: string, scheme: string, width: number, height: number): Promise<void> {
  await page.evaluate(() => document.querySelector('rtc-doctor')!.updateComplete);
  // The element itself, scrolled into view: the page's own text above it is not what is judged.
  await page.evaluate(() => document.querySelector('rtc-doctor')!.scrollIntoView());
  await page.screenshot({ path: `${OUT}/doctor-${name}-${width}x${height}-${scheme}.png`, fullPage: true });
}

/** Presses the run button and waits for the run's end. */
async function runToEnd(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const doctor = document.querySelector('rtc-doctor')!;
    const done = new Promise((resolve) => doctor.addEventListener('rtc-doctor-done', resolve, { once: true }));
    doctor.shadowRoot!.querySelector<HTMLButtonElement>('[part~=run-button]')!.click();
    await done;
  });
}

async function shoot(scheme: 'light' | 'dark', width: number, height: number): Promise<void> {
  const healthy = await open(scheme, width, height);
  await snap(healthy, 'idle', scheme, width, height);
  await runToEnd(healthy);
  await snap(healthy, 'passed', scheme, width, height);
  await healthy.close();

  const waiting = await open(scheme, width, height, `ws://127.0.0.1:${blackHolePort}/signal`);
  await waiting.evaluate(() => {
    document.querySelector('rtc-doctor')!.shadowRoot!.querySelector<HTMLButtonElement>('[part~=run-button]')!.click();
  });
  await waiting.waitForFunction(
    () => Number(document.querySelector('rtc-doctor')!.shadowRoot!.querySelector('meter')?.value) > 0,
    { polling: 100 },
  );
  await snap(waiting, 'running', scheme, width, height);
  await waiting.close();

  const broken = await open(scheme, width, height, `${nginx.origin}/signal`);
  await runToEnd(broken);
  await snap(broken, 'problems', scheme, width, height);
  await broken.evaluate(() =>
    document.querySelector('rtc-doctor')!.shadowRoot!.querySelector<HTMLButtonElement>('[part~=copy-button]')!.click(),
  );
  await snap(broken, 'copied', scheme, width, height);
  // Where the clipboard cannot be written, the text is shown to copy by hand.
  await broken.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    document.querySelector('rtc-doctor')!.shadowRoot!.querySelector<HTMLButtonElement>('[part~=copy-button]')!.click();
  });
  await broken.waitForFunction(() => document.querySelector('rtc-doctor')!.shadowRoot!.querySelector('textarea'));
  await snap(broken, 'copy-by-hand', scheme, width, height);
  await broken.close();
}
