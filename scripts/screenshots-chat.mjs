#!/usr/bin/env node
// Screenshots of <rtc-chat> in the states a person sees, at 1280x800 and 390x844, light and dark,
// into .screenshots/ (git-ignored). Two Chromium pages (Ada and Bob) on the demo page of a relay
// started here; run `npm run build` first. Where permitted it runs itself inside a loopback-only
// network namespace.
import { OUT, SCHEMES, SIZES, launchChromium, runOnLoopbackOnly } from './screenshot-kit.mjs';

runOnLoopbackOnly();
const { createRelay } = await import('../dist/relay/index.js');
/** Poll by time: a page in the background gets no animation frames, puppeteer's default. */
const POLL = { polling: 100 };

const relay = createRelay({ port: 0, host: '127.0.0.1', logger: false });
await relay.ready;
const base = `http://127.0.0.1:${relay.port}`;
const browser = await launchChromium();

try {
  for (const scheme of SCHEMES) {
    for (const { width, height } of SIZES) await shoot(scheme, width, height);
  }
} finally {
  await browser.close();
  await relay.close();
}

async function open(name, room, scheme, width, height) {
  const page = await browser.newPage();
  page.on('console', (message) => console.log(`${name}: ${message.text()}`));
  page.on('pageerror', (error) => console.log(`${name}: ${error.message}`));
  await page.setViewport({ width, height });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
  await page.evaluateOnNewDocument((value) => localStorage.setItem('rtc-chat-name', value), name);
  await page.goto(`${base}/chat.html?room=${room}`);
  await page.waitForFunction(() => customElements.get('rtc-chat'));
  await page.evaluate(() => {
    const chat = document.querySelector('rtc-chat');
    for (const type of ['rtc-transfer-error', 'rtc-peer-error', 'rtc-message-error'])
      chat.addEventListener(type, (event) => console.warn(type, JSON.stringify(event.detail)));
  });
  return page;
}

/** Bob's page, screenshotted after each step of a conversation with Ada. */
async function shoot(scheme, width, height) {
  const room = `shots-${scheme}-${width}`;
  const bob = await open('Bob', room, scheme, width, height);
  const ada = await open('Ada', room, scheme, width, height);
  const chatOf = (page) => page.evaluateHandle(() => document.querySelector('rtc-chat'));
  const snap = async (state) => {
    await bob.bringToFront();
    await bob.evaluate(() => document.querySelector('rtc-chat').updateComplete);
    await bob.screenshot({ path: `${OUT}/chat-${state}-${width}x${height}-${scheme}.png` });
  };
  await bob.waitForFunction(
    () => [...document.querySelector('rtc-chat').shadowRoot.querySelectorAll('[part=notice]')].length > 0,
    POLL,
  );
  await snap('joined');

  await (
    await chatOf(ada)
  ).evaluate((chat) => {
    chat.send('Hi Bob! Did you get the slides?');
    chat.send('They are a bit long, so here is the short version:\n1. numbers are up\n2. we ship on Friday');
  });
  await (await chatOf(bob)).evaluate((chat) => chat.send('Not yet, send them over please.'));
  await (
    await chatOf(ada)
  ).evaluate((chat) => {
    const bytes = new Uint8Array(3 * 1024 * 1024).fill(1);
    chat.sendFile(new File([bytes], 'quarterly-slides.pdf', { type: 'application/pdf' }));
  });
  await bob.waitForFunction(
    () => document.querySelector('rtc-chat').shadowRoot.querySelector('a[part=file][href]'),
    POLL,
  );
  await snap('conversation');

  await (await chatOf(bob)).evaluate((chat) => (chat.maxRate = 1));
  await (
    await chatOf(ada)
  ).evaluate((chat) => {
    for (let index = 0; index < 30; index++) chat.send(`spam ${index}`);
  });
  await bob.waitForFunction(
    () =>
      [...document.querySelector('rtc-chat').shadowRoot.querySelectorAll('[part=notice]')].some((li) =>
        li.textContent.includes('too fast'),
      ),
    POLL,
  );
  await snap('flood');

  await ada.close();
  await bob.waitForFunction(
    () =>
      [...document.querySelector('rtc-chat').shadowRoot.querySelectorAll('[part=notice]')].some((li) =>
        li.textContent.includes('left'),
      ),
    POLL,
  );
  await snap('left');
  await bob.close();
}
