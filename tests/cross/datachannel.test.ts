/**
 * Data channels between Chromium and Firefox: `<rtc-datachannel>` in a page of each, one room of a
 * real relay (tests/cross/helpers.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Relay } from '../../relay/index.js';
import {
  closeBrowsers,
  launchBrowsers,
  openPage,
  run,
  startRelay,
  uniqueRoom,
  until,
  type Browsers,
} from './helpers.js';

describe('Chromium and Firefox over a data channel', () => {
  let browsers: Browsers | undefined;
  let relay: Relay;
  before(async () => {
    [browsers, relay] = await Promise.all([launchBrowsers(), startRelay()]);
  });
  after(async () => {
    await closeBrowsers(browsers);
    await relay?.close();
  });

  /** A Chromium and a Firefox page, each with an `<rtc-datachannel>` in one room, open to each other. */
  async function pair(t: TestContext) {
    const room = uniqueRoom('dc');
    const [chromium, firefox] = await Promise.all([
      openPage(t, browsers!.chromium, relay),
      openPage(t, browsers!.firefox, relay),
    ]);
    await run(chromium, 'addChannel', room, 'Chromium');
    await run(firefox, 'addChannel', room, 'Firefox');
    for (const page of [chromium, firefox]) {
      await until(async () => (await run<string[]>(page, 'openPeers')).length === 1, 'the channel open both ways');
    }
    return { chromium, firefox };
  }

  it('messages go both ways, in order', async (t) => {
    const { chromium, firefox } = await pair(t);
    for (const n of [1, 2, 3]) await run(chromium, 'send', `from Chromium ${n}`);
    for (const n of [1, 2, 3]) await run(firefox, 'send', `from Firefox ${n}`);
    await until(async () => (await run<string[]>(firefox, 'messages')).length === 3, 'three messages in Firefox');
    await until(async () => (await run<string[]>(chromium, 'messages')).length === 3, 'three messages in Chromium');
    assert.deepEqual(await run(firefox, 'messages'), ['from Chromium 1', 'from Chromium 2', 'from Chromium 3']);
    assert.deepEqual(await run(chromium, 'messages'), ['from Firefox 1', 'from Firefox 2', 'from Firefox 3']);
  });

  it('a file crosses each way whole, its SHA-256 the same on both sides', async (t) => {
    const { chromium, firefox } = await pair(t);
    // Past one frame (64 KiB) many times over, and not a multiple of it.
    const size = 5 * 1024 * 1024 + 123;
    const sent = {
      chromium: await run<string>(chromium, 'sendFile', size, 1),
      firefox: await run<string>(firefox, 'sendFile', size, 2),
    };
    type Received = { name: string; size: number; sha256: string }[];
    const inFirefox = await until(async () => {
      const files = await run<Received>(firefox, 'receivedFiles');
      return files.length > 0 && files;
    }, 'the file in Firefox');
    const inChromium = await until(async () => {
      const files = await run<Received>(chromium, 'receivedFiles');
      return files.length > 0 && files;
    }, 'the file in Chromium');
    assert.deepEqual(inFirefox, [{ name: 'pattern-1.bin', size, sha256: sent.chromium }]);
    assert.deepEqual(inChromium, [{ name: 'pattern-2.bin', size, sha256: sent.firefox }]);
    assert.notEqual(sent.chromium, sent.firefox);
    for (const page of [chromium, firefox]) assert.deepEqual(await run(page, 'events', 'rtc-transfer-error'), []);
  });
});
