// Verified peers (docs/datachannel.md, "Verification"; docs/security.md): safety codes and the
// passphrase proof, with an honest relay and with a relay in the middle (mitm-plugin.ts: a wrapper
// around the real relay that answers each browser with a werift peer of its own, bridging their
// data channels). Each peer in the page has its own signaling URL (`?peer=a`), hence its own Room.
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../components/rtc-datachannel.js';
import type {
  MessageDetail,
  PeerErrorDetail,
  RtcDatachannel,
  SafetyCodeDetail,
} from '../../components/rtc-datachannel.js';
import {
  fingerprintOf,
  isProofOf,
  passphraseKey,
  proofOf,
  safetyCodeOf,
} from '../../components/internal/mesh/verification.js';
import { LinkVerifier } from '../../components/internal/mesh/link-verifier.js';
import { PeerLink } from '../../components/internal/mesh/peer-link.js';
import type { JsonValue } from '../../components/internal/signaling/signaling-client.js';
import { freshRoom, nextEvent, startRelay, uniqueName, until } from './helpers.js';

/** What one element reported, from the moment it was made. */
interface Seen {
  codes: SafetyCodeDetail[];
  errors: PeerErrorDetail[];
  messages: MessageDetail[];
  opened: string[];
  left: string[];
}

function watch(el: RtcDatachannel): Seen {
  const seen: Seen = { codes: [], errors: [], messages: [], opened: [], left: [] };
  el.addEventListener('rtc-safety-code', ({ detail }) => seen.codes.push(detail));
  el.addEventListener('rtc-peer-error', ({ detail }) => seen.errors.push(detail));
  el.addEventListener('rtc-message', ({ detail }) => seen.messages.push(detail));
  el.addEventListener('rtc-open', ({ detail }) => seen.opened.push(detail.peer));
  el.addEventListener('rtc-peer-leave', ({ detail }) => seen.left.push(detail.id));
  return seen;
}

interface Peer {
  el: RtcDatachannel;
  seen: Seen;
}

/**
 * Two elements, `a` then `b`, in one room at `url` (each its own Room), with the passphrases given
 * (undefined: none); `a` is in the room before `b` comes.
 */
async function pair(
  url: string,
  room: string,
  passphrases: [string | undefined, string | undefined] = [undefined, undefined],
  verifyTimeout?: number,
): Promise<[Peer, Peer]> {
  const host = await fixture<HTMLDivElement>(html`<div></div>`);
  const make = (name: string, passphrase: string | undefined): Peer => {
    const el = document.createElement('rtc-datachannel');
    Object.assign(el, { room, name, signaling: `${url}?peer=${name}` });
    if (passphrase !== undefined) el.passphrase = passphrase;
    if (verifyTimeout !== undefined) el.verifyTimeout = verifyTimeout;
    const seen = watch(el);
    host.append(el);
    return { el, seen };
  };
  const a = make('a', passphrases[0]);
  await until(() => a.el.state === 'joined', 'a joined');
  const b = make('b', passphrases[1]);
  await until(() => b.el.state === 'joined', 'b joined');
  return [a, b];
}

const SAFETY_CODE = /^(\p{Extended_Pictographic}) (?:\p{Extended_Pictographic} ){6}\p{Extended_Pictographic}$/u;

const hex = (bytes: Uint8Array) => [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');

describe('the derivations of verified peers', () => {
  // docs/datachannel.md, "Verification", worked example.
  const A = 'sha-256 4A:0F:93:6C:2B:7E:11:D8:5A:C4:90:3E:F2:68:BB:07:1D:E5:42:9C:70:AF:36:81:5B:CE:14:F9:62:8D:A3:E0';
  const B = 'sha-256 B1:6E:02:D7:48:9A:F3:25:C0:7B:5E:E9:14:86:3D:A2:6F:C8:01:57:E4:9B:32:AD:70:18:CB:45:F6:0E:93:2C';

  it('give the worked example of docs/datachannel.md: the code, the key and both proofs', async () => {
    expect(await safetyCodeOf({ local: A, remote: B })).to.equal('🐢 🐴 🐶 ⭐ 👓 🚀 🐼 🍕');
    expect(await safetyCodeOf({ local: B, remote: A })).to.equal('🐢 🐴 🐶 ⭐ 👓 🚀 🐼 🍕');
    const key = await passphraseKey('correct horse battery staple', 'standup');
    const proofA = await proofOf(key, { local: A, remote: B });
    const proofB = await proofOf(key, { local: B, remote: A });
    expect(hex(proofA)).to.equal('be0fa034a9f3a2b0ea206ef7a0944b70fe9fe8ef0ae5c7703abc1e2c7a05adab');
    expect(hex(proofB)).to.equal('949340822d26b43d4975b5489c76d9d2addbec0fda71f64d9c62a3185469e89b');
    // Each side accepts the other's proof, not its own sent back, nor one from another room.
    expect(await isProofOf(key, proofB, { local: A, remote: B })).to.equal(true);
    expect(await isProofOf(key, proofA, { local: A, remote: B })).to.equal(false);
    const otherRoom = await passphraseKey('correct horse battery staple', 'standup-2');
    expect(await isProofOf(otherRoom, proofB, { local: A, remote: B })).to.equal(false);
  });

  it('read the first a=fingerprint line at any level, in one form (function lower case, hex upper case)', () => {
    const firefox =
      'v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\na=fingerprint:SHA-256 4a:0f:93:6c\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
    const chromium =
      'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=fingerprint:sha-256 4A:0F:93:6C\r\na=fingerprint:sha-256 FF:FF\r\n';
    expect(fingerprintOf(firefox)).to.equal('sha-256 4A:0F:93:6C');
    expect(fingerprintOf(chromium)).to.equal('sha-256 4A:0F:93:6C');
    expect(fingerprintOf('v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n')).to.equal(null);
  });
});

/** What a LinkVerifier reported. */
interface Verdicts {
  codes: { code: string; verified: boolean }[];
  failures: string[];
}

describe('verified peers, against a certificate swapped in a later offer', () => {
  // Two PeerLinks in this page, wired by a "relay" that, once told to, puts a third certificate's
  // fingerprint into what it carries to `a`: Chromium then starts a new DTLS handshake (a DTLS
  // restart) with whoever holds that certificate.
  for (const passphrase of ['a passphrase', '']) {
    const what = passphrase
      ? 'with a passphrase, the verified link ends with peer-unverified'
      : 'without a passphrase, the safety code changes';
    it(what, async function () {
      this.timeout(30_000);
      let tamper = (data: JsonValue) => data;
      const links = {} as Record<'a' | 'b', PeerLink>;
      const wire = (to: 'a' | 'b') => (data: JsonValue) =>
        setTimeout(() => void links[to].handleSignal(to === 'a' ? tamper(data) : data));
      links.a = new PeerLink({ localId: 'a', remoteId: 'b', signal: wire('b') });
      links.b = new PeerLink({ localId: 'b', remoteId: 'a', signal: wire('a') });
      const third = new RTCPeerConnection();
      const key = passphrase ? passphraseKey(passphrase, 'room') : null;
      const verdicts: Record<'a' | 'b', Verdicts> = { a: { codes: [], failures: [] }, b: { codes: [], failures: [] } };
      const verifiers: LinkVerifier[] = [];
      const verify = (side: 'a' | 'b') => {
        // Without a passphrase the verifier opens no channel: one of the test's makes the offer.
        if (!passphrase) links[side].dataChannel('x', 1);
        const verifier = new LinkVerifier(links[side], {
          key,
          timeout: 20_000,
          onCode: (code, verified) => verdicts[side].codes.push({ code, verified }),
          onFailure: (message) => verdicts[side].failures.push(message),
        });
        verifiers.push(verifier);
      };
      try {
        // As in a Room: `a` (the newcomer) offers first, `b` adds its channels once that offer is in.
        verify('a');
        await until(() => links.b.pc.remoteDescription, 'a’s offer at b');
        verify('b');
        await until(() => verdicts.a.codes.length && verdicts.b.codes.length, 'a code on both sides', 25_000);
        const [first] = verdicts.a.codes;
        expect(first).to.deep.equal({ code: verdicts.b.codes[0]!.code, verified: !!passphrase });

        third.createDataChannel('z');
        await third.setLocalDescription();
        const swapped = /^a=fingerprint:.*$/m.exec(third.localDescription!.sdp)![0];
        tamper = (data) => {
          const description = (data as { description?: RTCSessionDescriptionInit }).description;
          if (!description?.sdp) return data;
          return {
            description: { type: description.type!, sdp: description.sdp.replace(/^a=fingerprint:.*$/gm, swapped) },
          };
        };
        links.b.pc.restartIce();
        if (passphrase) {
          await until(() => verdicts.a.failures.length, 'a’s verdict');
          expect(verdicts.a.failures[0]).to.match(/changed its DTLS certificate after it was verified/);
        } else {
          await until(() => verdicts.a.codes.length === 2, 'a new code at a');
          expect(verdicts.a.codes[1]!.code).to.not.equal(first!.code);
          expect(verdicts.a.codes[1]!.verified).to.equal(false);
        }
      } finally {
        for (const verifier of verifiers) verifier.close();
        links.a.close();
        links.b.close();
        third.close();
      }
    });
  }
});

describe('verified peers, with an honest relay', () => {
  it('both sides of a link show the same safety code, 8 emoji, once it is up (no passphrase: not verified)', async function () {
    this.timeout(40_000);
    const { url, room } = await freshRoom();
    const [a, b] = await pair(url, room);
    await until(() => a.seen.codes.length && b.seen.codes.length, 'a safety code on both sides', 20_000);
    const [codeA] = a.seen.codes;
    const [codeB] = b.seen.codes;
    expect(codeA!.code).to.match(SAFETY_CODE);
    expect(codeA).to.deep.equal({ peer: b.el.peerId, code: codeB!.code, verified: false });
    expect(codeB!.peer).to.equal(a.el.peerId);
    expect(a.el.safetyCodes).to.deep.equal([codeA]);
    expect(b.el.safetyCodes).to.deep.equal([codeB]);
  });

  it('with the same passphrase both peers prove it: the codes match, `verified`, and data flows', async function () {
    this.timeout(40_000);
    const { url, room } = await freshRoom();
    const [a, b] = await pair(url, room, ['correct horse battery staple', 'correct horse battery staple']);
    await until(() => a.seen.codes.length && b.seen.codes.length, 'verified on both sides', 20_000);
    expect(a.seen.codes[0]).to.deep.include({ peer: b.el.peerId, verified: true });
    expect(b.seen.codes[0]).to.deep.include({ peer: a.el.peerId, verified: true });
    expect(a.seen.codes[0]!.code).to.equal(b.seen.codes[0]!.code);
    await until(() => a.el.openPeers.length === 1 && b.el.openPeers.length === 1, 'the channels open');
    a.el.send('after the proof');
    await until(() => b.seen.messages.length === 1, 'the message');
    expect(b.seen.messages[0]).to.deep.include({ from: a.el.peerId, data: 'after the proof' });
    expect([...a.seen.errors, ...b.seen.errors]).to.deep.equal([]);
  });

  it('with different passphrases both report peer-unverified, close the link and deliver nothing', async function () {
    this.timeout(40_000);
    const { url, room } = await freshRoom();
    const [a, b] = await pair(url, room, ['one passphrase', 'another passphrase']);
    // Sent at once: queued for peers whose channel opens; none may open.
    a.el.send('must not arrive');
    b.el.send('must not arrive either');
    await until(() => a.seen.left.length && b.seen.left.length, 'both links closed', 20_000);
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(self.seen.errors.map(({ code, peer }) => ({ code, peer }))).to.deep.equal([
        { code: 'peer-unverified', peer: other.el.peerId },
      ]);
      expect(self.seen.errors[0]!.hint).to.match(/same passphrase/);
      expect(self.seen.left).to.deep.equal([other.el.peerId]);
      expect(self.seen.opened).to.deep.equal([]);
      expect(self.seen.messages).to.deep.equal([]);
      expect(self.seen.codes).to.deep.equal([]);
      expect(self.el.safetyCodes).to.deep.equal([]);
    }
  });

  it('a peer without the passphrase is reported after verify-timeout: its proof is missing', async function () {
    this.timeout(40_000);
    const { url, room } = await freshRoom();
    const [a, b] = await pair(url, room, ['only a knows this', undefined], 1500);
    b.el.send('from the peer without a passphrase');
    const { detail } = await nextEvent<CustomEvent<PeerErrorDetail>>(a.el, 'rtc-peer-error', 'peer-unverified', 20_000);
    expect(detail).to.deep.include({ peer: b.el.peerId, code: 'peer-unverified' });
    expect(detail.message).to.match(/no proof .* within 1500 ms/);
    // b had opened its channel (it verifies nothing) and sent; a never opened its own, so a got nothing.
    expect(a.seen.opened).to.deep.equal([]);
    expect(a.seen.messages).to.deep.equal([]);
    expect(a.seen.left).to.deep.equal([b.el.peerId]);
  });
});

describe('verified peers, on a page that is not a secure context (no WebCrypto)', () => {
  // Every address here is loopback, which browsers count as secure: the page's isSecureContext is
  // overridden for these tests instead (a stand-in, where the real part cannot run here).
  // isSecureContext is the window's own property (Window is the global): put back as it was.
  const secure = Object.getOwnPropertyDescriptor(window, 'isSecureContext')!;
  beforeEach(() => Object.defineProperty(window, 'isSecureContext', { value: false, configurable: true }));
  afterEach(() => Object.defineProperty(window, 'isSecureContext', secure));

  it('with a passphrase every link is refused (peer-unverified, pointing to https)', async function () {
    this.timeout(40_000);
    const { url, room } = await freshRoom();
    const [a, b] = await pair(url, room, ['a passphrase', 'a passphrase']);
    await until(() => a.seen.left.length && b.seen.left.length, 'both links closed', 20_000);
    for (const peer of [a, b]) {
      expect(peer.seen.errors.map(({ code }) => code)).to.deep.equal(['peer-unverified']);
      expect(peer.seen.errors[0]!.hint).to.match(/https:\/\//);
      expect([...peer.seen.opened, ...peer.seen.codes]).to.deep.equal([]);
    }
  });

  it('without a passphrase data flows, and no safety code is shown', async function () {
    this.timeout(40_000);
    const { url, room } = await freshRoom();
    const [a, b] = await pair(url, room);
    await until(() => a.el.openPeers.length === 1 && b.el.openPeers.length === 1, 'the channels open');
    a.el.send('no code, but a message');
    await until(() => b.seen.messages.length, 'the message');
    expect([...a.seen.codes, ...b.seen.codes, ...a.seen.errors, ...b.seen.errors]).to.deep.equal([]);
  });
});

/** A leg of the relay in the middle: one browser and the impostor it took for its peer (mitm-plugin.ts). */
interface Leg {
  facing: string;
  posingAs: string;
  fingerprints: { browser: string; impostor: string };
  code: string;
  injected: number;
}

/**
 * A real relay wrapped by a relay in the middle whose impostors bridge `labels`; returns the
 * wrapper's ws: URL (what the browsers use), a room, and the name to ask it things by.
 */
async function relayInTheMiddle(labels: string[]): Promise<{ name: string; url: string; room: string }> {
  const name = uniqueName('relay');
  await startRelay(name);
  const { url } = (await executeServerCommand('mitm-start', { name, labels })) as { url: string };
  return { name, url: new URL(url, location.href).href.replace(/^http/, 'ws'), room: uniqueName('room') };
}

const legsOf = async (name: string) => (await executeServerCommand('mitm-legs', { name })) as Leg[];

describe('verified peers, with a relay in the middle (a werift impostor per side, bridging the channels)', () => {
  it('without a passphrase the data channel works through it, but the two sides show different safety codes: each its own leg’s', async function () {
    this.timeout(60_000);
    const { name, url, room } = await relayInTheMiddle(['data']);
    const [a, b] = await pair(url, room);
    await until(() => a.el.openPeers.length === 1 && b.el.openPeers.length === 1, 'the channels open, bridged', 30_000);
    a.el.send('hello b');
    b.el.send('hello a');
    await until(() => a.seen.messages.length && b.seen.messages.length, 'a message each way, bridged');
    expect(b.seen.messages[0]).to.deep.include({ from: a.el.peerId, data: 'hello b' });
    expect(a.seen.messages[0]).to.deep.include({ from: b.el.peerId, data: 'hello a' });

    await until(() => a.seen.codes.length && b.seen.codes.length, 'a safety code on both sides', 20_000);
    const [codeA] = a.seen.codes;
    const [codeB] = b.seen.codes;
    expect(codeA!.code).to.not.equal(codeB!.code);
    // Each browser shows the code of its own leg, as the relay computes it from the docs.
    const legs = await legsOf(name);
    const legA = legs.find((leg) => leg.facing === a.el.peerId)!;
    const legB = legs.find((leg) => leg.facing === b.el.peerId)!;
    expect(legA.posingAs).to.equal(b.el.peerId);
    expect(codeA).to.deep.equal({ peer: b.el.peerId, code: legA.code, verified: false });
    expect(codeB).to.deep.equal({ peer: a.el.peerId, code: legB.code, verified: false });
    // Neither browser talks to the other's certificate.
    expect(legA.fingerprints.impostor).to.not.equal(legB.fingerprints.browser);
    expect(legB.fingerprints.impostor).to.not.equal(legA.fingerprints.browser);
    expect([...a.seen.errors, ...b.seen.errors]).to.deep.equal([]);
  });

  // A wrong proof is reported as soon as it comes, long before a missing one would be: its timeout
  // is long. A missing one is reported after a short one.
  const modes = [
    {
      what: 'it passes the proofs on (they are wrong)',
      labels: ['data', 'rtc-verify'],
      timeout: 30_000,
      problem: /proof .* is wrong/,
    },
    {
      what: 'it drops the proofs (they are missing)',
      labels: ['data'],
      timeout: 2000,
      problem: /no proof .* within 2000 ms/,
    },
  ];
  for (const { what, labels, timeout, problem } of modes) {
    it(`with a passphrase both browsers report peer-unverified and deliver nothing from it, when ${what}`, async function () {
      this.timeout(60_000);
      const { name, url, room } = await relayInTheMiddle(labels);
      // The relay also speaks for itself on the data channel, as soon as it opens.
      await executeServerCommand('mitm-inject', { name, label: 'data', text: 'from the relay itself' });
      const [a, b] = await pair(url, room, ['a shared secret', 'a shared secret'], timeout);
      a.el.send('must not arrive');
      b.el.send('must not arrive either');
      await until(() => a.seen.left.length && b.seen.left.length, 'both links closed', 30_000);
      for (const [self, other] of [
        [a, b],
        [b, a],
      ] as const) {
        expect(self.seen.errors.map(({ code, peer }) => ({ code, peer }))).to.deep.equal([
          { code: 'peer-unverified', peer: other.el.peerId },
        ]);
        expect(self.seen.errors[0]!.message).to.match(problem);
        expect(self.seen.left).to.deep.equal([other.el.peerId]);
        expect(self.seen.opened).to.deep.equal([]);
        expect(self.seen.messages).to.deep.equal([]);
        expect(self.seen.codes).to.deep.equal([]);
      }
      // The relay did send its message, and the browsers' own went nowhere near it.
      const legs = await legsOf(name);
      expect(legs.map((leg) => leg.injected)).to.deep.equal([1, 1]);
    });
  }
});
