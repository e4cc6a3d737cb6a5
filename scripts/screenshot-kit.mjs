// What the screenshot scripts (scripts/screenshots*.mjs, screenshots-doctor.ts) share: the sizes and
// colour schemes every UI is looked at in, a loopback-only network namespace, and a headless
// Chromium with a fake camera and microphone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { findChromium } from './browsers.mjs';

/** Where the pictures go (git-ignored). */
export const OUT = '.screenshots';
/** A desktop and a phone. */
export const SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];
export const SCHEMES = ['light', 'dark'];

/**
 * Runs the calling script again inside a loopback-only network namespace where the machine permits
 * one (as npm test does), and exits with its status; returns at once in that second run (marked
 * `--inner`) or where no namespace can be made.
 */
export function runOnLoopbackOnly() {
  if (process.argv.includes('--inner')) return;
  const [script, ...args] = process.argv.slice(1);
  const isolated = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
  if (!isolated) return;
  const inner = `ip link set lo up && ip route add default dev lo src 127.0.0.1 && exec '${process.execPath}' ${process.execArgv.map((arg) => `'${arg}'`).join(' ')} '${script}' --inner ${args.join(' ')}`;
  const result = spawnSync('unshare', ['-n', 'sh', '-c', inner], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

/** A headless Chromium with a fake camera and microphone that plays sound without a gesture; `args` add flags. */
export function launchChromium(args = []) {
  mkdirSync(OUT, { recursive: true });
  return puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--disable-gpu',
      ...args,
    ],
  });
}

export const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `predicate` holds in `page`, polled by time: puppeteer's default (animation frames)
 * never runs in a page in the background.
 */
export const until = (page, predicate, ...args) =>
  page.waitForFunction(predicate, { polling: 100, timeout: 30_000 }, ...args);

/**
 * A temporary folder holding `shot.html`: one <rtc-call> filling the screen, with the attributes of
 * the query string (`passphrase` is set as the property, as a page that asks for it would). The
 * relay serves it as its demo folder, so it is same-origin with the elements and the relay.
 */
export function callPageFolder() {
  const folder = mkdtempSync(join(tmpdir(), 'rtc-shots-'));
  writeFileSync(
    join(folder, 'shot.html'),
    `<!doctype html>
<html lang="en" style="color-scheme: light dark">
<meta name="viewport" content="width=device-width, initial-scale=1">
<body style="margin: 0; background: Canvas">
<script type="module" src="/rtc-elements.js"></script>
<script type="module">
  const call = document.createElement('rtc-call');
  const query = new URLSearchParams(location.search);
  for (const [name, value] of query) if (name !== 'passphrase') call.setAttribute(name, value);
  call.passphrase = query.get('passphrase') ?? '';
  call.style.setProperty('--rtc-call-height', '100dvh');
  document.body.append(call);
</script>`,
  );
  return folder;
}

/** Opens `shot.html` of `origin` with `attributes` at `size` in `scheme`; resolves once the call has rendered. */
export async function openCallPage(browser, origin, size, scheme, attributes) {
  const page = await browser.newPage();
  if (process.env.RTC_SHOTS_DEBUG) page.on('console', (message) => console.log(attributes.name, message.text()));
  await page.setViewport(size);
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
  await page.goto(`${origin}/shot.html?${new URLSearchParams(attributes)}`);
  await until(page, () => document.querySelector('rtc-call')?.shadowRoot);
  return page;
}
