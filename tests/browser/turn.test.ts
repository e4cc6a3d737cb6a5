// TURN through a real coturn (Debian's, on loopback, in its TURN REST mode) with the credentials the
// relay hands out (relay/turn.ts): peers that may use relayed candidates only
// (`ice-transport-policy="relay"`) connect through it; credentials it refuses are reported with a
// hint; a call older than its credentials restarts ICE with fresh ones. Each peer has its own
// endpoint URL (`?peer=a`) and so its own Room.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-datachannel.js';
import type { RtcDatachannel } from '../../components/rtc-datachannel.js';
import type { MessageDetail, PeerErrorDetail } from '../../components/rtc-datachannel.js';
import { Room } from '../../components/internal/mesh/room.js';
import type { PeerLink } from '../../components/internal/mesh/peer-link.js';
import { nextEvent, startCoturn, startRelay, uniqueName, until } from './helpers.js';

const SECRET = 'the static-auth-secret coturn and the relay share';

/** A coturn taking credentials of SECRET, started once for the file. */
let coturnUrls: Promise<string[]> | undefined;
function coturn(): Promise<string[]> {
  coturnUrls ??= startCoturn(SECRET);
  return coturnUrls;
}

/** Two peers in a fresh room of `url`, relayed candidates only; `iceServers` instead of the relay's. */
async function relayedPeers(url: string, iceServers?: RTCIceServer[]): Promise<RtcDatachannel[]> {
  const room = uniqueName('room');
  const host = await fixture<HTMLDivElement>(html`<div>
    ${['a', 'b'].map(
      (peer) =>
        html`<rtc-datachannel
          room=${room}
          signaling=${`${url}?peer=${peer}`}
          ice-transport-policy="relay"
          .iceServers=${iceServers}
        ></rtc-datachannel>`,
    )}
  </div>`);
  return [...host.querySelectorAll('rtc-datachannel')] as RtcDatachannel[];
}

/** The link from `el`'s Room to its one peer. */
function linkOf(el: RtcDatachannel): PeerLink | undefined {
  const room = [...Room.open.values()].find((open) => open.key.startsWith(el.signaling) && open.id === el.peerId);
  return [...(room?.links.values() ?? [])][0];
}

/** A `local-candidate` report (RTCIceCandidateStats, which TypeScript's DOM types lack). */
interface CandidateStats {
  /** `relay` when it goes through TURN. */
  candidateType: string;
  address: string;
  port: number;
}

/** The local candidate of the pair in use. */
async function localCandidate(link: PeerLink): Promise<CandidateStats | undefined> {
  const stats = await link.pc.getStats();
  // Chromium names the pair on its transport; Firefox has no such field and marks the pair itself
  // (`selected`, a Firefox extension of RTCIceCandidatePairStats).
  let pair: { localCandidateId?: string } | undefined;
  for (const report of stats.values()) {
    if (report.type === 'transport' && report.selectedCandidatePairId) pair = stats.get(report.selectedCandidatePairId);
  }
  pair ??= [...stats.values()].find((report) => report.type === 'candidate-pair' && report.selected);
  return pair?.localCandidateId ? stats.get(pair.localCandidateId) : undefined;
}

async function localCandidateType(link: PeerLink): Promise<string | undefined> {
  return (await localCandidate(link))?.candidateType;
}

/** base64(HMAC-SHA1(secret, username)): coturn's TURN REST password, made here as a site could. */
async function turnPassword(secret: string, username: string): Promise<string> {
  const encode = (text: string) => new TextEncoder().encode(text);
  const key = await crypto.subtle.importKey('raw', encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encode(username)));
  return btoa(String.fromCharCode(...mac));
}

/** The expiry (Unix seconds) in the username of the TURN server `link` gathers with. */
function credentialExpiry(link: PeerLink): number {
  const turn = link.pc.getConfiguration().iceServers?.find((server) => server.username);
  return Number(String(turn?.username).split(':')[0]);
}

describe('TURN with a real coturn', () => {
  it('peers limited to relayed candidates connect through coturn with the relay credentials and exchange data', async () => {
    const turnUrls = await coturn();
    const url = await startRelay(uniqueName('relay'), { turnSecret: SECRET, turnUrls });
    const [a, b] = await relayedPeers(url);
    const received: MessageDetail[] = [];
    b.addEventListener('rtc-message', (event) => received.push(event.detail));
    await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open both ways');
    a.send('through TURN');
    await until(() => received.length === 1, 'the message');
    expect(received[0]?.data).to.equal('through TURN');
    expect(await localCandidateType(linkOf(a)!)).to.equal('relay');
    expect(await localCandidateType(linkOf(b)!)).to.equal('relay');
  });

  it('credentials coturn refuses (a wrong secret, or expired) end in ice-failed with a hint naming the TURN credentials', async function () {
    // Each side tries its bounded ICE restarts (3, 3 s apart) before it gives up.
    this.timeout(60_000);
    const turnUrls = await coturn();
    const wrongSecret = await startRelay(uniqueName('relay'), { turnSecret: 'not the secret coturn has', turnUrls });
    // Credentials made with the right secret an hour ago, which expired a minute ago: on the page's
    // own `ice-servers`, so nothing renews them.
    const username = `${Math.floor(Date.now() / 1000) - 60}:expired`;
    const expired = [{ urls: turnUrls, username, credential: await turnPassword(SECRET, username) }];
    const plainRelay = await startRelay(uniqueName('relay'));
    const peers = [...(await relayedPeers(wrongSecret)), ...(await relayedPeers(plainRelay, expired))];

    const errors = await Promise.all(
      peers.map((el) => nextEvent<CustomEvent<PeerErrorDetail>>(el, 'rtc-peer-error', 'ice-failed', 50_000)),
    );
    for (const { detail } of errors) {
      expect(detail.code).to.equal('ice-failed');
      expect(detail.hint).to.match(/refused the TURN credentials/);
    }
    expect(peers.every((el) => el.openPeers.length === 0)).to.equal(true);
  });

  it('a call older than its TURN credentials restarts ICE with fresh ones, and goes on through TURN', async function () {
    this.timeout(45_000);
    const turnUrls = await coturn();
    const url = await startRelay(uniqueName('relay'), { turnSecret: SECRET, turnUrls, turnTtl: 2 });
    const [a, b] = await relayedPeers(url);
    await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open both ways');
    const link = linkOf(a)!;
    const before = credentialExpiry(link);
    // Wait out the credentials (turnTtl is 2 s): coturn refuses them from now on.
    await until(() => Date.now() / 1000 > before + 1, 'the credentials expired', 10_000);

    const relayed: RTCIceCandidate[] = [];
    const refusals: number[] = [];
    link.pc.addEventListener('icecandidate', ({ candidate }) => candidate?.type === 'relay' && relayed.push(candidate));
    link.pc.addEventListener('icecandidateerror', ({ errorCode }) => refusals.push(errorCode));
    await link.restartIce();
    // Old credentials would be refused (401) and give no relayed candidate.
    await until(() => relayed.length > 0, 'a relayed candidate from a new allocation', 15_000);
    expect(refusals).to.deep.equal([]);
    expect(credentialExpiry(link)).to.be.greaterThan(before, 'renewed before the restart');

    // The old ICE session carries the data while the new one checks (Firefox reports
    // `connected` throughout, and no selected pair until the new one has one): wait for a pair of
    // the new allocation, which needs b's answer to have renewed its credentials too.
    const isNew = (local: CandidateStats | undefined) =>
      relayed.some((candidate) => candidate.address === local?.address && candidate.port === local?.port);
    const inUse = await until(
      async () => {
        const local = await localCandidate(link);
        return isNew(local) ? local : undefined;
      },
      'a pair of the new allocation in use',
      15_000,
    );
    expect(inUse.candidateType).to.equal('relay');
    expect(credentialExpiry(linkOf(b)!), "b's answer renewed its own").to.be.greaterThan(before);
    const received: MessageDetail[] = [];
    b.addEventListener('rtc-message', (event) => received.push(event.detail));
    a.send('after the restart');
    await until(() => received.length === 1, 'the message after the restart');
    expect(await localCandidateType(link)).to.equal('relay');
  });
});
