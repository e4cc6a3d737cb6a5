// What the screenshot scripts (scripts/screenshots*.mjs, screenshots-doctor.ts) share: the sizes and
// colour schemes every UI is looked at in, a loopback-only network namespace, and a headless
// Chromium with a fake camera and microphone.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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
