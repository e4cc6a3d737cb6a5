#!/usr/bin/env node
// `npm run screenshots`: pictures of <rtc-call> in the states a person sees, to look at before
// calling a UI change done (and to hold next to the hosted embeds). Three real peers: three pages
// of one headless Chromium with fake camera and microphone, on a relay of our own on 127.0.0.1.
// Run after `npm run build`; where permitted it runs itself inside a loopback-only network
// namespace (as npm test does). Writes .screenshots/<width>x<height>-<scheme>-<state>.png.
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
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'];
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);

const browser = await launchChromium();

const pages = callPageFolder();

async function shootAll(size, scheme) {
  const relay = createRelay({ port: 0, host: '127.0.0.1', logger: false, staticDirs: { demo: pages } });
  await relay.ready;
  const origin = `http://127.0.0.1:${relay.port}`;
  const prefix = `${OUT}/${size.width}x${size.height}-${scheme}`;
  const room = `shots-${Date.now().toString(36)}`;
  const shot = (page, state) => page.screenshot({ path: `${prefix}-${state}.png` });

  const open = (attributes) => openCallPage(browser, origin, size, scheme, attributes);
  const call = (page, action) => page.evaluate(action);
  const shadowText = (page) => page.evaluate(() => document.querySelector('rtc-call').shadowRoot.textContent);

  // The join screen, empty and with a preview.
  const a = await open({ room, chat: '' });
  await shot(a, '1-join');
  await call(a, () => {
    const el = document.querySelector('rtc-call');
    el.name = 'Ada Lovelace';
    el.shadowRoot.querySelector('[part~=preview-button]').click();
  });
  await until(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('select'));
  await wait(600);
  await shot(a, '2-join-preview');

  // Joining, and the error of a relay that cannot be reached.
  const lost = await open({ room, name: 'Ada', signaling: 'ws://127.0.0.1:9/signal' });
  await call(lost, () => document.querySelector('rtc-call').join());
  await wait(150);
  await shot(lost, '3-joining');
  await until(lost, () => document.querySelector('rtc-call').shadowRoot.querySelector('[role=alert]'));
  await shot(lost, '4-error');
  await lost.close();

  // A camera that is blocked: its error and "Join without camera".
  const blocked = await open({ room: `${room}-blocked`, name: 'Ada' });
  await call(blocked, () => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('blocked', 'NotAllowedError'));
    document.querySelector('rtc-call').join();
  });
  await until(blocked, () =>
    document.querySelector('rtc-call').shadowRoot.querySelector('[part~=join-without-camera-button]'),
  );
  await shot(blocked, '5-camera-blocked');
  await blocked.close();

  // Live: alone, then three people.
  await call(a, () => document.querySelector('rtc-call').join());
  await until(a, () => document.querySelector('rtc-call').state === 'live');
  await wait(800);
  await shot(a, '6-waiting');
  const others = [];
  for (const name of NAMES.slice(1)) others.push(await open({ room, name, autojoin: '', chat: '' }));
  await until(
    a,
    () =>
      [...document.querySelector('rtc-call').shadowRoot.querySelectorAll('[part=tile] video')].filter(
        (video) => video.videoWidth > 0,
      ).length === 2,
  ).catch(async (error) => {
    for (const page of [a, ...others])
      console.error(
        await page.evaluate(() => {
          const el = document.querySelector('rtc-call');
          const videos = [...el.shadowRoot.querySelectorAll('[part~=tile] video')];
          return `${el.name} ${el.state}: ${videos.map((v) => `${v.videoWidth} ${v.paused} ${!!v.srcObject}`).join(', ')}`;
        }),
      );
    throw error;
  });
  await wait(1500);
  await shot(a, '7-live-three');

  // Camera off (Grace) and muted (Alan); a raised hand (Alan) and a reaction (Grace).
  await call(others[0], () => (document.querySelector('rtc-call').cameraOff = true));
  await call(others[1], () => {
    const el = document.querySelector('rtc-call');
    el.muted = true;
    el.handRaised = true;
  });
  await wait(1200);
  await shot(a, '8-camera-off-hand');
  await call(others[0], () => document.querySelector('rtc-call').react('🎉'));
  await call(a, () => {
    const el = document.querySelector('rtc-call');
    el.shadowRoot.querySelector('[part~=react-button]').click();
  });
  await wait(700);
  await shot(a, '9-reactions');
  await call(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('[part~=react-button]').click());

  // Speaker layout.
  await call(a, () => (document.querySelector('rtc-call').layout = 'speaker'));
  await wait(800);
  await shot(a, '10-speaker');
  await call(a, () => (document.querySelector('rtc-call').layout = 'grid'));

  // The chat panel, with a message from Grace.
  await call(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('[part~=chat-button]').click());
  await until(a, () => customElements.get('rtc-chat'));
  await call(others[0], () =>
    document.querySelector('rtc-call').shadowRoot.querySelector('[part~=chat-button]').click(),
  );
  await until(others[0], () => document.querySelector('rtc-call').shadowRoot.querySelector('rtc-chat')?.shadowRoot);
  await wait(1500);
  await call(others[0], () =>
    document.querySelector('rtc-call').shadowRoot.querySelector('rtc-chat').send('Shall we start with the roadmap?'),
  );
  await wait(800);
  await shot(a, '11-chat');
  await call(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('[part~=chat-button]').click());

  // The relay goes away: reconnecting.
  await relay.close();
  await until(a, () => document.querySelector('rtc-call').shadowRoot.querySelector('[part~=reconnecting-banner]'));
  await wait(300);
  await shot(a, '12-reconnecting');
  console.log(`${prefix}: ${(await shadowText(a)).length > 0 ? 'done' : 'empty?'}`);
  for (const page of [a, ...others]) await page.close();
}

try {
  for (const size of SIZES) {
    for (const scheme of SCHEMES) {
      if (only && !`${size.width}x${size.height}-${scheme}`.includes(only)) continue;
      await shootAll(size, scheme);
    }
  }
} finally {
  await browser.close();
  rmSync(pages, { recursive: true, force: true });
}
