#!/usr/bin/env node
// Pictures of <rtc-call>'s verified peers, to look at before calling a change to them done: a call
// of three with a passphrase (the verified badges), a tile's safety code panel open, and a
// participant with another passphrase, cut off (the banner). Three pages of one headless Chromium
// with fake camera and microphone, on a relay of our own on 127.0.0.1, as scripts/screenshots.mjs.
// Run after `npm run build`; where permitted it runs itself inside a loopback-only network
// namespace. Writes .screenshots/verify-<width>x<height>-<scheme>-<state>.png.
import { rmSync } from 'node:fs';
import {
  OUT,
  SCHEMES,
  SIZES,
  callPageFolder,
  launchChromium,
  openCallPage,
  runOnLoopbackOnly,
  until,
  wait,
} from './screenshot-kit.mjs';

runOnLoopbackOnly();

const { createRelay } = await import('../dist/relay/index.js');
const PASSPHRASE = 'maple syrup on tuesdays';

const browser = await launchChromium();

const pages = callPageFolder();

async function shootAll(size, scheme) {
  const relay = createRelay({ port: 0, host: '127.0.0.1', logger: false, staticDirs: { demo: pages } });
  await relay.ready;
  const origin = `http://127.0.0.1:${relay.port}`;
  const prefix = `${OUT}/verify-${size.width}x${size.height}-${scheme}`;
  const room = `shots-${Date.now().toString(36)}`;
  const shot = (page, state) => page.screenshot({ path: `${prefix}-${state}.png` });

  const open = (attributes) => openCallPage(browser, origin, size, scheme, attributes);
  const inCall = (page, action) => page.evaluate(action);

  const a = await open({ room, name: 'Ada Lovelace', passphrase: PASSPHRASE, autojoin: '' });
  const others = [];
  for (const name of ['Grace Hopper', 'Alan Turing'])
    others.push(await open({ room, name, passphrase: PASSPHRASE, autojoin: '' }));
  await until(
    a,
    () => document.querySelector('rtc-call').shadowRoot.querySelectorAll('[part=tile] [part=verified]').length === 2,
  );
  await until(
    a,
    () =>
      [...document.querySelector('rtc-call').shadowRoot.querySelectorAll('[part=tile] video')].filter(
        (video) => video.videoWidth > 0,
      ).length === 2,
  );
  await wait(1200);
  await shot(a, '1-verified');

  // Grace's safety code, as Ada opens it.
  await inCall(a, () =>
    document.querySelector('rtc-call').shadowRoot.querySelector('[part=tile] [part~=verify-button]').click(),
  );
  await until(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('[part=safety-code]'));
  await wait(300);
  await shot(a, '2-safety-code');
  await inCall(a, () =>
    document.querySelector('rtc-call').shadowRoot.querySelector('[part=safety-code] [part~=close-button]').click(),
  );

  // Someone with another passphrase: cut off, with a banner.
  const intruder = await open({ room, name: 'Mallory', passphrase: 'a guess', autojoin: '' });
  await until(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('[part~=error-banner]'));
  await wait(800);
  await shot(a, '3-unverified');
  console.log(`${prefix}: done`);
  for (const page of [a, ...others, intruder]) await page.close();
  await relay.close();
}

try {
  for (const size of SIZES) for (const scheme of SCHEMES) await shootAll(size, scheme);
} finally {
  await browser.close();
  rmSync(pages, { recursive: true, force: true });
}
