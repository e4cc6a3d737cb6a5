// Elements whose signaling reaches two different relay instances that share rooms through a real
// Redis (tests/browser/relay-plugin.ts `redis-start`): the peers meet, and what runs over their
// connection does not care which instance carried the signaling. Each element has its own signaling
// URL (one instance each), hence its own Room, socket and RTCPeerConnections, as two pages would.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-call.js';
import '../../components/rtc-datachannel.js';
import type { RtcCall } from '../../components/rtc-call.js';
import type { MessageDetail, RtcDatachannel } from '../../components/rtc-datachannel.js';
import { Room } from '../../components/internal/mesh/room.js';
import { startSharedRelays, uniqueName, until } from './helpers.js';

function remoteVideos(el: RtcCall): HTMLVideoElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLVideoElement>('[part=tile] video')];
}

/** Video frames decoded so far on every peer connection of the page. */
async function framesDecoded(): Promise<number[]> {
  const counts: number[] = [];
  for (const room of Room.open.values()) {
    for (const link of room.links.values()) {
      let decoded = 0;
      (await link.pc.getStats()).forEach((stats) => {
        if (stats.type === 'inbound-rtp' && stats.kind === 'video') decoded += stats.framesDecoded ?? 0;
      });
      counts.push(decoded);
    }
  }
  return counts;
}

describe('elements on two relay instances that share rooms through Redis', () => {
  it('two <rtc-datachannel> peers on different instances open a channel and exchange messages both ways', async () => {
    const [first, second] = await startSharedRelays(2);
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} name="a" signaling=${first!}></rtc-datachannel>
      <rtc-datachannel room=${room} name="b" signaling=${second!}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll<RtcDatachannel>('rtc-datachannel')];
    await until(() => a!.openPeers.length === 1 && b!.openPeers.length === 1, 'the channel open on both sides', 20_000);
    const atB: MessageDetail[] = [];
    const atA: MessageDetail[] = [];
    b!.addEventListener('rtc-message', (event) => atB.push(event.detail));
    a!.addEventListener('rtc-message', (event) => atA.push(event.detail));
    a!.send('across instances');
    b!.sendJSON({ reply: true });
    await until(() => atB.length === 1 && atA.length === 1, 'a message each way');
    expect(atB[0]!.data).to.equal('across instances');
    expect(atB[0]!.from).to.equal(a!.peerId);
    expect(atA[0]!.data).to.deep.equal({ reply: true });
    expect(atA[0]!.from).to.equal(b!.peerId);
  });

  it('an <rtc-call> between peers on different instances has video both ways', async () => {
    const [first, second] = await startSharedRelays(2);
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-call autojoin video="320x240" room=${room} name="a" signaling=${first!}></rtc-call>
      <rtc-call autojoin video="320x240" room=${room} name="b" signaling=${second!}></rtc-call>
    </div>`);
    const calls = [...host.querySelectorAll<RtcCall>('rtc-call')];
    await until(
      () => calls.every((el) => remoteVideos(el).some((video) => video.videoWidth > 0)),
      'the remote video playing on both calls',
      25_000,
    );
    const before = await framesDecoded();
    expect(before).to.have.length(2);
    await until(
      async () => (await framesDecoded()).every((count, index) => count > before[index]! + 5),
      'frames decoded both ways',
      20_000,
    );
  });
});
