/**
 * Calls between Chromium and Firefox: `<rtc-call>` in a page of each, one room of a real relay
 * (tests/cross/helpers.ts). Fake cameras and microphones; video at 320x240 to spare the cores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'puppeteer-core';
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

interface Inbound {
  framesDecoded: number;
  totalAudioEnergy: number;
  audioPackets: number;
  videoPackets: number;
}

interface RemoteTile {
  label: string;
  cameraOff: boolean;
  width: number;
  height: number;
  playing: boolean;
  brightness: number | null;
}

describe('Chromium and Firefox in a call', () => {
  let browsers: Browsers | undefined;
  let relay: Relay;
  before(async () => {
    [browsers, relay] = await Promise.all([launchBrowsers(), startRelay()]);
  });
  after(async () => {
    await closeBrowsers(browsers);
    await relay?.close();
  });

  const tile = (page: Page) => run<RemoteTile | null>(page, 'remoteTile');
  const inbound = (page: Page) => run<Inbound>(page, 'inbound');

  /** Waits until `page` shows the other's video playing at 320x240. */
  const seesVideo = (page: Page, what: string, timeout?: number) =>
    until(
      async () => {
        const shown = await tile(page);
        return shown?.playing && shown.width === 320 && shown.height === 240;
      },
      what,
      timeout,
    );

  /** Waits until `page` has decoded `frames` more video frames than now: proof that time has passed with media flowing. */
  async function moreFrames(page: Page, frames: number, what: string): Promise<Inbound> {
    const before = await inbound(page);
    return until(async () => {
      const now = await inbound(page);
      return now.framesDecoded >= before.framesDecoded + frames ? now : null;
    }, what);
  }

  /** Waits until `page` has received `packets` more audio packets than now. */
  async function audioPackets(page: Page, packets: number, what: string): Promise<Inbound> {
    const before = await inbound(page);
    return until(async () => {
      const now = await inbound(page);
      return now.audioPackets >= before.audioPackets + packets ? now : null;
    }, what);
  }

  /** A call in a Chromium page and one in a Firefox page, in one room, each seeing the other. */
  async function pair(t: TestContext) {
    const room = uniqueRoom('call');
    const [chromium, firefox] = await Promise.all([
      openPage(t, browsers!.chromium, relay),
      openPage(t, browsers!.firefox, relay),
    ]);
    await run(chromium, 'addCall', room, 'Chromium');
    await run(firefox, 'addCall', room, 'Firefox');
    await Promise.all([
      seesVideo(chromium, 'Firefox’s video in Chromium'),
      seesVideo(firefox, 'Chromium’s video in Firefox'),
    ]).catch(async (error: Error) => {
      // What each page saw, for the failure message: errors, connection states.
      const seen = { chromium: await run(chromium, 'events'), firefox: await run(firefox, 'events') };
      throw new Error(`${error.message}; events: ${JSON.stringify(seen)}`);
    });
    return { chromium, firefox };
  }

  it('video and sound go both ways: each side decodes the other’s frames and receives its audio', async (t) => {
    const { chromium, firefox } = await pair(t);
    for (const [page, other] of [
      [chromium, 'Firefox'],
      [firefox, 'Chromium'],
    ] as const) {
      const start = await inbound(page);
      const later = await moreFrames(page, 20, `frames from ${other}`);
      assert.ok(later.audioPackets > start.audioPackets, `audio packets from ${other}`);
      assert.ok(later.totalAudioEnergy > start.totalAudioEnergy, `sound from ${other}`);
      const shown = (await tile(page))!;
      assert.equal(shown.label, other);
      assert.ok(shown.brightness! > 10, `a picture from ${other}, not black (brightness ${shown.brightness})`);
    }
    for (const page of [chromium, firefox]) {
      assert.deepEqual(await run(page, 'events', 'rtc-peer-error'), []);
      assert.deepEqual(await run(page, 'events', 'rtc-call-error'), []);
    }
  });

  it('mute and camera off on one side silence the sound and blacken the picture at the other, who is told; both come back', async (t) => {
    const { chromium, firefox } = await pair(t);
    for (const [sender, receiver, name] of [
      [firefox, chromium, 'Firefox'],
      [chromium, firefox, 'Chromium'],
    ] as const) {
      // The sound received over a second of audio packets, to compare the muted second with.
      const unmuted = await inbound(receiver);
      const loud =
        (await audioPackets(receiver, 50, `audio packets from ${name}`)).totalAudioEnergy - unmuted.totalAudioEnergy;
      assert.ok(loud > 0, `sound from ${name}`);

      await run(sender, 'setCall', { muted: true, cameraOff: true });
      await until(async () => {
        const shown = (await tile(receiver))!;
        return shown.label === `${name}, Muted` && shown.cameraOff && shown.brightness! < 5;
      }, `${name} shown muted, its camera off and its picture black`);
      // Silence: once what was on its way is played (half a second of packets), a second of audio
      // packets brings under a hundredth of the sound the unmuted second brought.
      await audioPackets(receiver, 25, `audio packets from ${name} while muted`);
      const muted = await inbound(receiver);
      const quiet =
        (await audioPackets(receiver, 50, `more audio packets from ${name} while muted`)).totalAudioEnergy -
        muted.totalAudioEnergy;
      assert.ok(quiet < loud / 100, `silence from ${name}: ${quiet} of energy, against ${loud} unmuted`);

      await run(sender, 'setCall', { muted: false, cameraOff: false });
      await until(async () => {
        const shown = (await tile(receiver))!;
        return shown.label === name && !shown.cameraOff && shown.brightness! > 10;
      }, `${name} shown unmuted, with a picture again`);
      await until(
        async () => (await inbound(receiver)).totalAudioEnergy > muted.totalAudioEnergy,
        `sound from ${name} again`,
      );
    }
  });

  it('a relay restart in the middle of a call drops nothing, and the restarted relay carries a new join', async (t) => {
    const { chromium, firefox } = await pair(t);
    const connections = await Promise.all([run(chromium, 'connectionStates'), run(firefox, 'connectionStates')]);
    const port = relay.port!;
    await relay.close();
    // The relay is gone (both pages are reconnecting to it): the media goes on peer to peer.
    await Promise.all([
      moreFrames(chromium, 30, 'frames in Chromium, relay down'),
      moreFrames(firefox, 30, 'frames in Firefox, relay down'),
    ]);
    relay = await startRelay(port);
    // Both resume their place, with their ids: to the other nothing happened.
    await until(() => relay.stats().peers === 2, 'both pages back in the restarted relay');
    await Promise.all([moreFrames(chromium, 30, 'frames in Chromium'), moreFrames(firefox, 30, 'frames in Firefox')]);
    assert.deepEqual(
      await Promise.all([run(chromium, 'connectionStates'), run(firefox, 'connectionStates')]),
      connections,
    );
    for (const page of [chromium, firefox]) {
      assert.deepEqual(await run(page, 'events', 'rtc-peer-error'), []);
      assert.deepEqual(await run(page, 'events', 'rtc-call-error'), []);
    }

    // Signaling works through the new relay: Chromium leaves and joins again, and both see each other.
    const room = await run<string>(chromium, 'callRoom');
    await run(chromium, 'removeCall');
    await run(chromium, 'addCall', room, 'Chromium');
    await Promise.all([
      seesVideo(chromium, 'Firefox’s video in Chromium again'),
      seesVideo(firefox, 'Chromium’s video in Firefox again'),
    ]);
  });

  it('Chromium and Firefox joining at the same moment connect, with video both ways, twenty times in a row', async (t) => {
    const rounds = 20;
    const [chromium, firefox] = await Promise.all([
      openPage(t, browsers!.chromium, relay),
      openPage(t, browsers!.firefox, relay),
    ]);
    // Each failed round with what each page saw: the errors (negotiation-failed) and the states.
    const failures: { round: number; error: string; chromium: unknown[]; firefox: unknown[] }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const room = uniqueRoom('together');
      const seen = await Promise.all([run<unknown[]>(chromium, 'events'), run<unknown[]>(firefox, 'events')]);
      // Both joins are sent at once; which one the relay takes first varies from round to round.
      await Promise.all([run(chromium, 'addCall', room, 'Chromium'), run(firefox, 'addCall', room, 'Firefox')]);
      try {
        await Promise.all([
          seesVideo(chromium, 'Firefox’s video in Chromium', 10_000),
          seesVideo(firefox, 'Chromium’s video in Firefox', 10_000),
        ]);
      } catch (error) {
        failures.push({
          round,
          error: (error as Error).message,
          chromium: (await run<unknown[]>(chromium, 'events')).slice(seen[0]!.length),
          firefox: (await run<unknown[]>(firefox, 'events')).slice(seen[1]!.length),
        });
      }
      await Promise.all([run(chromium, 'removeCall'), run(firefox, 'removeCall')]);
    }
    assert.deepEqual(failures, []);
  });
});
