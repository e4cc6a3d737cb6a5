// The Room core: mostly without a relay (two real RTCPeerConnections in one page, wired by an
// in-page signaling fake that can hold signals back, to force an offer collision); the Room itself
// with a real relay and two Rooms in one page (`?peer=a`, `?peer=b`).
import { expect } from '@open-wc/testing';
import { channelIdOf, decodeFrame, encodeFrame, Kind } from '../../components/internal/mesh/framing.js';
import { PeerLink } from '../../components/internal/mesh/peer-link.js';
import { Room } from '../../components/internal/mesh/room.js';
import { RoomChannel } from '../../components/internal/mesh/room-channel.js';
import type { JsonValue } from '../../components/internal/signaling/signaling-client.js';
import { freshRoom, nextEvent, until } from './helpers.js';

/** Two PeerLinks whose signals are delivered only while `flowing` (queued otherwise), in order. */
function linkedPair() {
  const queues: Record<'a' | 'b', JsonValue[]> = { a: [], b: [] };
  const state = { flowing: false };
  const links = {} as Record<'a' | 'b', PeerLink>;
  const flush = (to: 'a' | 'b') => {
    if (!state.flowing) return;
    for (const data of queues[to].splice(0)) setTimeout(() => void links[to].handleSignal(data));
  };
  links.a = new PeerLink({
    localId: 'a',
    remoteId: 'b',
    signal: (data) => {
      queues.b.push(data);
      flush('b');
    },
  });
  links.b = new PeerLink({
    localId: 'b',
    remoteId: 'a',
    signal: (data) => {
      queues.a.push(data);
      flush('a');
    },
  });
  const release = () => {
    state.flowing = true;
    flush('a');
    flush('b');
  };
  return {
    links,
    queues,
    release,
    close: () => {
      links.a.close();
      links.b.close();
    },
  };
}

/** The candidates in `queue` (not end-of-candidates), as the link that sent them gave them. */
const candidatesIn = (queue: JsonValue[]): RTCIceCandidateInit[] =>
  queue
    .map((data) => (data as { candidate?: RTCIceCandidateInit }).candidate)
    .filter((candidate): candidate is RTCIceCandidateInit => Boolean(candidate?.candidate));

/** The candidates given to `pc.addIceCandidate()` from now on, in order. */
function candidatesAddedTo(pc: RTCPeerConnection): RTCIceCandidateInit[] {
  const added: RTCIceCandidateInit[] = [];
  const addIceCandidate = pc.addIceCandidate.bind(pc);
  pc.addIceCandidate = (candidate?: RTCIceCandidateInit | null) => {
    if (candidate) added.push(candidate);
    return addIceCandidate(candidate);
  };
  return added;
}

const offered = (queue: JsonValue[]) =>
  queue.some((data) => (data as { description?: { type: string } }).description?.type === 'offer');

describe('Room core: PeerLink', () => {
  it('two peers that offer at the same moment (glare) converge and open their channel', async function () {
    const { links, queues, release, close } = linkedPair();
    try {
      // Both sides create the negotiated channel: both fire negotiationneeded and make an offer.
      const channelA = links.a.dataChannel('glare', channelIdOf('glare'));
      const channelB = links.b.dataChannel('glare', channelIdOf('glare'));
      await until(
        () => offered(queues.a) && offered(queues.b) && candidatesIn(queues.a).length > 0,
        "both offers, and a candidate of b's",
      );
      expect(links.a.pc.signalingState).to.equal('have-local-offer');
      expect(links.b.pc.signalingState).to.equal('have-local-offer');
      const added = candidatesAddedTo(links.a.pc);
      const ofIgnoredOffer = candidatesIn(queues.a);
      release();
      await until(() => channelA.readyState === 'open' && channelB.readyState === 'open', 'both channels open');
      expect(ofIgnoredOffer).not.to.be.empty;
      // The impolite peer ignored the polite one's offer: the candidates that came with it name the
      // rolled-back transport, and must not be added to the answer (Firefox answers with that offer's
      // ICE credentials, so only this drop keeps them out).
      const stale = added.filter((candidate) => ofIgnoredOffer.includes(candidate));
      expect(stale.map((candidate) => candidate.candidate)).to.deep.equal([]);
      const received = nextEvent<MessageEvent>(channelB, 'message');
      channelA.send('after glare');
      expect((await received).data).to.equal('after glare');
      expect(links.a.pc.signalingState).to.equal('stable');
      expect(links.b.pc.signalingState).to.equal('stable');
      // Exactly one of them yielded: the polite one is the peer with the larger id.
      expect(links.b.polite).to.equal(true);
      expect(links.a.polite).to.equal(false);
    } finally {
      close();
    }
  });

  it('an ICE restart renegotiates without closing the open channel', async () => {
    const { links, release, close } = linkedPair();
    try {
      release();
      const channelA = links.a.dataChannel('restart', 7);
      const channelB = links.b.dataChannel('restart', 7);
      await until(() => channelA.readyState === 'open' && channelB.readyState === 'open', 'channels open');
      const ufrag = links.a.pc.localDescription!.sdp.match(/a=ice-ufrag:(\S+)/)![1];
      links.a.pc.restartIce();
      await until(
        () =>
          links.a.pc.localDescription!.sdp.match(/a=ice-ufrag:(\S+)/)![1] !== ufrag &&
          links.a.pc.signalingState === 'stable',
        'new ICE credentials',
      );
      const received = nextEvent<MessageEvent>(channelB, 'message');
      channelA.send('still here');
      expect((await received).data).to.equal('still here');
      expect(channelA.readyState).to.equal('open');
    } finally {
      close();
    }
  });
});

/** Makes `link` see `state` (Chromium cannot be made to fail ICE on loopback on demand). */
function pretend(link: PeerLink, state: RTCPeerConnectionState) {
  Object.defineProperty(link.pc, 'connectionState', { value: state, configurable: true });
  link.pc.dispatchEvent(new Event('connectionstatechange'));
}

describe('Room core: candidates before their description', () => {
  it('candidates sent before the offer are held and added after it: the link connects with no error', async () => {
    const toB: JsonValue[] = [];
    const errors: Event[] = [];
    const a: PeerLink = new PeerLink({ localId: 'a', remoteId: 'b', signal: (data) => toB.push(data) });
    const b: PeerLink = new PeerLink({
      localId: 'b',
      remoteId: 'a',
      signal: (data) => setTimeout(() => void a.handleSignal(data)),
    });
    for (const link of [a, b]) link.addEventListener('error', (event) => errors.push(event));
    try {
      const channelA = a.dataChannel('early', channelIdOf('early'));
      await until(() => a.pc.iceGatheringState === 'complete', "a's candidates gathered");
      const isCandidate = (data: JsonValue) => Boolean((data as { candidate?: unknown }).candidate);
      const candidates = toB.filter(isCandidate);
      expect(candidates.length).to.be.greaterThan(0);
      // Every candidate first, as a peer that trickles before it signals its offer does.
      for (const data of [...candidates, ...toB.filter((data) => !isCandidate(data))]) await b.handleSignal(data);
      const channelB = b.dataChannel('early', channelIdOf('early'));
      await until(() => channelA.readyState === 'open' && channelB.readyState === 'open', 'both channels open');
      expect(a.state).to.equal('connected');
      expect(errors).to.deep.equal([]);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('Room core: ICE restart', () => {
  it('a failing connection gets a bounded number of ICE restarts, then one ice-failed error with a TURN hint', async () => {
    const link = new PeerLink({ localId: 'a', remoteId: 'b', signal: () => {}, maxIceRestarts: 2 });
    let restarts = 0;
    link.pc.restartIce = () => void restarts++;
    const errors: { code: string; hint: string; peer: string }[] = [];
    link.addEventListener('error', (event) => errors.push((event as CustomEvent).detail));
    try {
      for (let i = 0; i < 5; i++) pretend(link, 'failed');
      // A restart first waits for fresh ICE servers (none to wait for here): it comes a moment later.
      await until(() => restarts === 2, 'two restarts');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ code: 'ice-failed', peer: 'b' });
      expect(errors[0]!.hint).to.match(/TURN/);
      // Connected again: a later failure gets its restarts anew.
      pretend(link, 'connected');
      pretend(link, 'failed');
      await until(() => restarts === 3, 'a third restart');
    } finally {
      link.close();
    }
  });

  it('a connection that stays disconnected past the delay is restarted; one that recovers is not', async () => {
    const link = new PeerLink({ localId: 'a', remoteId: 'b', signal: () => {}, stallTimeout: 50 });
    let restarts = 0;
    link.pc.restartIce = () => void restarts++;
    try {
      pretend(link, 'disconnected');
      pretend(link, 'connected');
      pretend(link, 'disconnected');
      await until(() => restarts === 1, 'one restart');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(restarts).to.equal(1);
    } finally {
      link.close();
    }
  });
});

describe('Room core: stalled ICE', () => {
  it('ICE that never starts after a completed negotiation is restarted', async () => {
    const link = new PeerLink({ localId: 'a', remoteId: 'b', signal: () => {}, stallTimeout: 50 });
    let restarts = 0;
    link.pc.restartIce = () => void restarts++;
    try {
      Object.defineProperty(link.pc, 'signalingState', { value: 'stable', configurable: true });
      Object.defineProperty(link.pc, 'iceConnectionState', { value: 'new', configurable: true });
      link.pc.dispatchEvent(new Event('signalingstatechange'));
      await until(() => restarts === 1, 'a restart');
      // Checking started in time: no restart.
      link.pc.dispatchEvent(new Event('signalingstatechange'));
      Object.defineProperty(link.pc, 'iceConnectionState', { value: 'checking', configurable: true });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(restarts).to.equal(1);
    } finally {
      link.close();
    }
  });
});

describe('Room core: framing', () => {
  it('a frame header survives encode and decode', () => {
    const header = { kind: Kind.FileData, type: 1, id: 0xfedcba98, offset: 41, total: 512 };
    const frame = decodeFrame(encodeFrame(header, new Uint8Array([7, 8, 9])).buffer);
    expect(frame).to.include(header);
    expect([...frame!.payload]).to.deep.equal([7, 8, 9]);
    expect(decodeFrame(new ArrayBuffer(3))).to.equal(null);
    expect(decodeFrame('text')).to.equal(null);
  });

  it("a label maps to the same stream id on every peer, within Chromium's 1024 streams", () => {
    expect(channelIdOf('chat')).to.equal(channelIdOf('chat'));
    for (const label of ['data', 'chat', 'files', 'x'.repeat(300), 'é']) {
      expect(channelIdOf(label)).to.be.within(0, 1023);
    }
    expect(channelIdOf('data')).to.not.equal(channelIdOf('chat'));
  });
});

describe('Room core: RoomChannel over two links', () => {
  it('a message sent before the other side has its channel waits, then arrives whole and in order', async () => {
    const { links, release, close } = linkedPair();
    release();
    const a = new RoomChannel('late', {});
    const b = new RoomChannel('late', {});
    const got: unknown[] = [];
    b.addEventListener('message', (event) => got.push((event as CustomEvent).detail.data));
    try {
      a.attach(links.a);
      a.send('first');
      const big = new Uint8Array(300_000).map((_, i) => i % 251);
      a.send(big);
      // The other side adds its channel only once ours is open: our Hello went nowhere.
      await until(() => links.a.pc.connectionState === 'connected', 'connected');
      b.attach(links.b);
      await until(() => got.length === 2, 'both messages');
      expect(got[0]).to.equal('first');
      expect(new Uint8Array(got[1] as ArrayBuffer)).to.deep.equal(big);
    } finally {
      a.close();
      b.close();
      close();
    }
  });
});

describe('Room core: a late listener', () => {
  /** What replay() hands a listener now. */
  const replayed = (room: Room) => {
    const events: CustomEvent[] = [];
    room.replay((event) => events.push(event));
    return events;
  };

  it('replay() hands a late listener the link and track events it missed, and none of a peer that left', async () => {
    const { url, room } = await freshRoom();
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const a = Room.acquire({ signaling: `${url}?peer=a`, room });
    const b = Room.acquire({ signaling: `${url}?peer=b`, room });
    let aHeld = true;
    try {
      // a sends a track on its link, as a call does; nobody at b listens for link or track events.
      a.addEventListener('link', (event) =>
        (event as CustomEvent).detail.link.pc.addTrack(stream.getTracks()[0]!, stream),
      );
      await until(() => replayed(b).length === 2, 'the link and a’s track at b');
      const events = replayed(b);
      expect(events.map((event) => `${event.type} ${event.detail.peer}`).sort()).to.deep.equal([
        `link ${a.id}`,
        `track ${a.id}`,
      ]);
      expect(
        events.every((event) => event.target === b),
        'events of the Room',
      ).to.equal(true);
      const track = events.find((event) => event.type === 'track')!.detail;
      expect([track.track.kind, track.streams[0].id]).to.deep.equal(['audio', stream.id]);
      expect(events.find((event) => event.type === 'link')!.detail.link === b.links.get(a.id!), 'the link').to.equal(
        true,
      );

      a.release();
      aHeld = false;
      await nextEvent(b, 'peer-leave', 'a leaving');
      expect(replayed(b)).to.deep.equal([]);
    } finally {
      if (aHeld) a.release();
      b.release();
      stream.getTracks().forEach((track) => track.stop());
    }
  });
});
