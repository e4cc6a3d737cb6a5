// Join tokens with the elements: the `token` and `token-url` attributes against a relay that requires
// tokens (relay/tokens.ts). Each peer has its own endpoint URL (`?peer=a`) and so its own Room.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-datachannel.js';
import type { RtcDatachannel } from '../../components/rtc-datachannel.js';
import type { MessageDetail, PeerJoinDetail, SignalingErrorDetail } from '../../components/rtc-datachannel.js';
import { Room } from '../../components/internal/mesh/room.js';
import { nextEvent, signToken, startRelay, tokenEndpoint, tokenRequests, uniqueName, until } from './helpers.js';

const SECRET = 'the browser tests sign join tokens with this secret';

/** A fresh relay that requires tokens, and a room name on it. */
async function tokenRelay(): Promise<{ relay: string; url: string; room: string }> {
  const relay = uniqueName('relay');
  return { relay, url: await startRelay(relay, { tokenSecret: SECRET }), room: uniqueName('room') };
}

/** Every `type` event's detail `el` fires from now on. */
function collect<T>(el: HTMLElement, type: string): T[] {
  const got: T[] = [];
  el.addEventListener(type, (event) => got.push((event as CustomEvent<T>).detail));
  return got;
}

describe('join tokens', () => {
  it('with a `token`, peers join a relay that requires tokens; the others see the name in the token', async () => {
    const { url, room } = await tokenRelay();
    const [alice, bob] = await Promise.all([
      signToken({ room, name: 'Alice' }, SECRET),
      signToken({ room, name: 'Bob' }, SECRET),
    ]);
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} name="Mallory" token=${alice} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} name="Mallory" token=${bob} signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')] as RtcDatachannel[];
    const joinsSeenByA = collect<PeerJoinDetail>(a, 'rtc-peer-join');
    const received = collect<MessageDetail>(b, 'rtc-message');
    await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open both ways');
    expect(joinsSeenByA.map((join) => join.name)).to.deep.equal(['Bob']);
    expect(b.peers.map((peer) => peer.name)).to.deep.equal(['Alice']);
    a.send('signed in');
    await until(() => received.length === 1, 'the message');
    expect(received[0]?.data).to.equal('signed in');
  });

  it('without a token the relay refuses the join: token-required with a hint, and the element stops', async () => {
    const { url, room } = await tokenRelay();
    const el = await fixture<RtcDatachannel>(html`<rtc-datachannel room=${room} signaling=${url}></rtc-datachannel>`);
    const { detail } = await nextEvent<CustomEvent<SignalingErrorDetail>>(el, 'rtc-signaling-error');
    expect(detail.code).to.equal('token-required');
    expect(detail.fatal).to.equal(true);
    expect(detail.hint).to.match(/token/);
    await until(() => el.state === 'closed', 'the element stopped');
  });

  it('with a `token-url`, a fresh token is fetched before every join, a rejoin after a relay restart too', async () => {
    const { relay, url, room } = await tokenRelay();
    const [alice, bob] = [uniqueName('alice'), uniqueName('bob')];
    const aliceUrl = await tokenEndpoint(alice, { claims: { room, name: 'Alice' }, secret: SECRET });
    const bobUrl = await tokenEndpoint(bob, { claims: { room, name: 'Bob' }, secret: SECRET });
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} token-url=${aliceUrl} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} token-url=${bobUrl} signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')] as RtcDatachannel[];
    await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open both ways');
    expect(a.peers.map((peer) => peer.name)).to.deep.equal(['Bob']);
    expect([await tokenRequests(alice), await tokenRequests(bob)]).to.deep.equal([1, 1]);
    const aliceId = a.peerId;

    // A restart closes every client with 1012: each one rejoins, with a token it fetches again.
    await startRelay(relay, { tokenSecret: SECRET });
    await until(async () => (await tokenRequests(alice)) === 2 && (await tokenRequests(bob)) === 2, 'fresh tokens');
    await until(() => a.state === 'joined' && b.state === 'joined', 'both back in the room');
    expect(a.peerId).to.equal(aliceId, 'the rejoin kept the id');
    await until(() => b.peers.some((peer) => peer.id === aliceId), 'alice listed again');
  });

  it('an expired token from the `token-url` is followed by a fresh one: the element joins once the site gives one', async () => {
    const { url, room } = await tokenRelay();
    const site = uniqueName('site');
    const tokenUrl = await tokenEndpoint(site, { claims: { room, expiresIn: -60 }, secret: SECRET });
    const el = await fixture<RtcDatachannel>(
      html`<rtc-datachannel room=${room} token-url=${tokenUrl} signaling=${url}></rtc-datachannel>`,
    );
    const { detail } = await nextEvent<CustomEvent<SignalingErrorDetail>>(el, 'rtc-signaling-error');
    expect(detail.code).to.equal('token-expired');
    expect(detail.fatal).to.equal(false, 'with a token-url, an expired token is not the end');
    await until(async () => (await tokenRequests(site)) >= 2, 'another token asked for');
    await tokenEndpoint(site, { claims: { room }, secret: SECRET });
    await until(() => el.state === 'joined', 'joined with a fresh token');
  });

  it('a `token-url` that refuses (403) is reported as token-unavailable, and the element stops', async () => {
    const { url, room } = await tokenRelay();
    const tokenUrl = await tokenEndpoint(uniqueName('site'), { status: 403 });
    const el = await fixture<RtcDatachannel>(
      html`<rtc-datachannel room=${room} token-url=${tokenUrl} signaling=${url}></rtc-datachannel>`,
    );
    const { detail } = await nextEvent<CustomEvent<SignalingErrorDetail>>(el, 'rtc-signaling-error');
    expect(detail.code).to.equal('token-unavailable');
    expect(detail.fatal).to.equal(true);
    expect(detail.message).to.contain('403');
    await until(() => el.state === 'closed', 'the element stopped');
  });

  it('no channel is opened with a peer whose token does not allow `data`', async () => {
    const { url, room } = await tokenRelay();
    const [viewer, alice, bob] = await Promise.all([
      signToken({ room, name: 'Viewer', caps: ['publish'] }, SECRET),
      signToken({ room, name: 'Alice' }, SECRET),
      signToken({ room, name: 'Bob', caps: ['data'] }, SECRET),
    ]);
    const v = await fixture<RtcDatachannel>(
      html`<rtc-datachannel room=${room} token=${viewer} signaling=${`${url}?peer=v`}></rtc-datachannel>`,
    );
    await until(() => v.state === 'joined', 'the viewer in the room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} token=${alice} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} token=${bob} signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')] as RtcDatachannel[];
    await until(
      () => a.openPeers.includes(b.peerId ?? '') && b.openPeers.includes(a.peerId ?? ''),
      'alice and bob open to each other',
    );
    // The viewer's own channel (it may do `data` with them) reaches alice's connection: once that is
    // connected, a channel alice would open with the viewer would have opened in the same round trips.
    const aliceRoom = [...Room.open.values()].find((open) => open.key === `${url}?peer=a ${room}`);
    const toViewer = aliceRoom?.links.get(v.peerId ?? '');
    await until(() => toViewer?.state === 'connected', 'alice connected to the viewer');
    a.send('sync');
    await nextEvent(b, 'rtc-message');
    expect(a.openPeers).to.deep.equal([b.peerId]);
    expect(v.openPeers).to.deep.equal([]);
  });
});
