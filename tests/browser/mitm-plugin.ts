/**
 * A relay that sits in the middle, for the tests of verified peers (verified-peers.test.ts). It
 * wraps a real relay of relay-plugin.ts: each browser connects to `/mitm/NAME/signal`, and the
 * wrapper opens a WebSocket of its own to the real relay `NAME` for it and passes every message
 * both ways (join, welcome, peer-joined, names: the room is real), except the signals. A browser's
 * signal to peer X goes to an impostor instead: a werift peer (Node) that answers as X, and that X
 * itself never hears of. The real peers' signals to each other are dropped. So each browser makes
 * its connection to "X" with the impostor, and the impostors of the two sides bridge their data
 * channels, label by label, frame by frame: to the browsers it looks like a working connection.
 *
 * Written from docs/protocol.md and docs/datachannel.md (it imports nothing of components/): the
 * safety code of each leg is computed here too, in node:crypto, from the derivation in
 * docs/datachannel.md, so a test can check that what a browser shows is the code of its own leg.
 *
 * Browser tests drive it with `executeServerCommand`:
 *   mitm-start  {name, labels} -> {url}   the wrapper of the real relay NAME (start that first);
 *                                         `labels`: the channels its impostors bridge (the
 *                                         proofs' `rtc-verify` among them or not)
 *   mitm-inject {name, label, text}       every impostor (now or later) sends `text` itself to the
 *                                         browser it faces, as a string message on `label`, as
 *                                         soon as that channel opens
 *   mitm-legs   {name} -> Leg[]           each impostor: who it faces, whom it poses as, the
 *                                         fingerprints of that leg and its safety code
 */
import { pbkdf2Sync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import WebSocket, { WebSocketServer } from 'ws';
import { loopbackStun, stopLoopbackStun } from '../loopback-stun.js';

const PREFIX = '/mitm/';

type Signal = {
  description?: { type: 'offer' | 'answer'; sdp: string };
  candidate?: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };
};
type RelayMessage = { type: string; id?: string; from?: string; to?: string; data?: Signal; peers?: { id: string }[] };

/** One leg as a test sees it. */
export interface Leg {
  /** The browser's peer id. */
  facing: string;
  /** The peer the impostor poses as. */
  posingAs: string;
  /** The browser's fingerprint and the impostor's, as docs/datachannel.md normalises them. */
  fingerprints: { browser: string; impostor: string };
  /** The safety code of this leg, computed here from the docs. */
  code: string;
  /** How many messages of its own (mitm-inject) the impostor has sent to the browser. */
  injected: number;
}

// ---- the safety code, from docs/datachannel.md ("Verification") ------------------------------

const EMOJI = [
  ...'🐶🐱🦁🐴🐸🐷🐘🐰🐼🐔🐧🐢🐟🐙🦋🐝🌵🌲🍄🌻🌙⭐🔥🌈🍎🍌🍇🍓🍕🍔🍩🍪🎂🍉🌽🥕🚀🚲🚗⚓🔑🎈🎸🎺🥁🎩👓🎁⏰💡📚📎🔔⚽🏀🎲🏠⛵🌂👑💎🔨🎃🚂',
];

function fingerprintOf(sdp: string): string {
  const match = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m.exec(sdp);
  if (!match) throw new Error('no a=fingerprint line');
  return `${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}`;
}

function safetyCode(one: string, other: string): string {
  const bytes = pbkdf2Sync([one, other].sort().join('\n'), 'rtc-elements safety code v1', 100_000, 6, 'sha256');
  const value = bytes.readUIntBE(0, 6);
  const emoji: string[] = [];
  for (let index = 7; index >= 0; index--) emoji.push(EMOJI[Math.floor(value / 2 ** (6 * index)) % 64]!);
  return emoji.join(' ');
}

// ---- frames (docs/datachannel.md, section 4), for an injected message ------------------------

function stringMessage(id: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const frame = Buffer.alloc(16 + payload.byteLength);
  frame.writeUInt8(2, 0); // Message
  frame.writeUInt8(0, 1); // a string
  frame.writeUInt8(2, 2); // version 2
  frame.writeUInt32BE(id, 4);
  frame.writeUInt32BE(payload.byteLength, 12);
  payload.copy(frame, 16);
  return frame;
}

function channelId(label: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(label, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % 1024;
}

// ---- an impostor -------------------------------------------------------------------------------

/** A frame for the browser: the other browser's, or one of the impostor's own. */
interface Outgoing {
  frame: Buffer;
  own: boolean;
}

/** A werift peer facing one browser, posing as another peer of the room. */
class Impostor {
  readonly pc: RTCPeerConnection;
  readonly channels = new Map<string, RTCDataChannel>();
  /** Frames for a channel of ours that is not open yet. */
  readonly #outbox = new Map<string, Outgoing[]>();
  #held: NonNullable<Signal['candidate']>[] = [];
  #ours: NonNullable<Signal['candidate']>[] | undefined = [];
  /** The impostor on the other side, posing as the browser this one faces. */
  #partner: Impostor | undefined;
  /** What the browser sent before the other side's impostor existed. */
  #unbridged: { label: string; frame: Buffer }[] = [];
  /** Messages of its own sent to the browser. */
  injected = 0;
  /** Its role in an offer collision, as PeerLink decides it for the peer it poses as. */
  readonly #polite: boolean;
  /** Its own offer and the browser's signals, one after the other. */
  #signals: Promise<void> = Promise.resolve();

  constructor(
    readonly facing: string,
    readonly posingAs: string,
    labels: readonly string[],
    stun: { urls: string },
    private readonly signal: (data: Signal) => void,
  ) {
    this.pc = new RTCPeerConnection({ iceServers: [stun], iceAdditionalHostAddresses: ['127.0.0.1'] });
    this.#polite = posingAs > facing;
    this.pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
      if (this.#ours) this.#ours.push(init);
      else signal({ candidate: init });
    };
    for (const label of labels) this.#openChannel(label);
  }

  /** Offers first, as the newcomer it poses as would (in turn with the browser's signals). */
  offer(): void {
    this.#signals = this.#signals
      .then(async () => {
        await this.pc.setLocalDescription(await this.pc.createOffer());
        this.#sendDescription('offer');
      })
      .catch(ignore);
  }

  /**
   * A signal from the browser, handled after the ones before it (as werift-peer.ts does). Firefox
   * sends its first candidate right behind its offer: handled at once, it reached werift while the
   * offer was still being applied, and that leg's connectivity checks failed at once, so it never
   * connected (2 of 8 runs of verified-peers.test.ts in Firefox on a loaded machine; none in 14 since).
   */
  handle(signal: Signal): void {
    this.#signals = this.#signals.then(() => this.#handle(signal)).catch(ignore);
  }

  async #handle({ description, candidate }: Signal): Promise<void> {
    if (description) {
      // The browser offers too when the impostor's offer is late (a loaded machine): perfect
      // negotiation, as PeerLink does it. Polite, werift rolls its own back (implicitly); impolite,
      // it ignores the browser's, which yields. Two polite sides would each answer an offer the
      // other had withdrawn, and never connect.
      if (description.type === 'offer' && this.pc.signalingState === 'have-local-offer' && !this.#polite) return;
      await this.pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        this.#sendDescription('answer');
      }
      for (const held of this.#held.splice(0)) await this.pc.addIceCandidate(held);
    } else if (candidate) {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(candidate);
      else this.#held.push(candidate);
    }
  }

  /** Pairs this impostor with the one on the other side, and passes on what came meanwhile. */
  bridge(partner: Impostor): void {
    this.#partner = partner;
    for (const { label, frame } of this.#unbridged.splice(0)) partner.forward(label, frame);
  }

  /** Passes on a frame of the other browser's, now or once the channel opens. */
  forward(label: string, frame: Buffer): void {
    this.#queue(label, { frame, own: false });
  }

  /** Sends a message of its own to the browser, now or once the channel opens. */
  inject(label: string, frame: Buffer): void {
    this.#queue(label, { frame, own: true });
  }

  /** This leg as a test sees it, once both descriptions are in. */
  leg(): Leg | undefined {
    const local = this.pc.localDescription?.sdp;
    const remote = this.pc.remoteDescription?.sdp;
    if (!local || !remote) return undefined;
    const fingerprints = { browser: fingerprintOf(remote), impostor: fingerprintOf(local) };
    const code = safetyCode(fingerprints.browser, fingerprints.impostor);
    return { facing: this.facing, posingAs: this.posingAs, fingerprints, code, injected: this.injected };
  }

  close(): void {
    void this.pc.close();
  }

  #queue(label: string, outgoing: Outgoing): void {
    const channel = this.channels.get(label);
    if (channel?.readyState === 'open') this.#send(channel, outgoing);
    else this.#outbox.set(label, [...(this.#outbox.get(label) ?? []), outgoing]);
  }

  #send(channel: RTCDataChannel, { frame, own }: Outgoing): void {
    channel.send(frame);
    if (own) this.injected++;
  }

  #sendDescription(type: 'offer' | 'answer'): void {
    this.signal({ description: { type, sdp: this.pc.localDescription!.sdp } });
    const ours = this.#ours ?? [];
    this.#ours = undefined;
    for (const candidate of ours) this.signal({ candidate });
  }

  /** A negotiated channel, bridged: what the browser sends goes to the other browser as it is. */
  #openChannel(label: string): void {
    const channel = this.pc.createDataChannel(label, { negotiated: true, id: channelId(label) });
    this.channels.set(label, channel);
    channel.onopen = () => {
      for (const outgoing of this.#outbox.get(label) ?? []) this.#send(channel, outgoing);
      this.#outbox.delete(label);
    };
    channel.onmessage = ({ data }) => {
      if (typeof data === 'string') return;
      if (this.#partner) this.#partner.forward(label, data);
      else this.#unbridged.push({ label, frame: data });
    };
  }
}

// ---- the relay in the middle --------------------------------------------------------------------

interface Mitm {
  labels: readonly string[];
  /** The impostors' STUN server (tests/loopback-stun.ts). */
  stun: { urls: string };
  /** Impostors by `${facing} ${posingAs}`. */
  impostors: Map<string, Impostor>;
  sockets: Set<WebSocket>;
  /** Messages of its own for every browser, sent by each impostor once its channel opens. */
  injections: { label: string; frame: Buffer }[];
}

/**
 * A signal an impostor cannot apply (werift refuses a description in the wrong signaling state, or a
 * candidate of an offer it ignored) is dropped: the tests judge the browsers, and a rejection left
 * unhandled here would end the test runner's process.
 */
const ignore = (): void => undefined;

/** A close code that may be sent in a close frame (1005 and 1006 only describe a close). */
const sendable = (code: number) => (code === 1005 || code === 1006 ? 1000 : code);

export function mitmPlugin() {
  const mitms = new Map<string, Mitm>();
  const server = new WebSocketServer({ noServer: true });
  let serverPort = 0;

  function impostor(mitm: Mitm, browser: WebSocket, facing: string, posingAs: string): Impostor {
    const key = `${facing} ${posingAs}`;
    let found = mitm.impostors.get(key);
    if (found) return found;
    const send = (data: Signal) => browser.send(JSON.stringify({ type: 'signal', from: posingAs, data }));
    found = new Impostor(facing, posingAs, mitm.labels, mitm.stun, send);
    mitm.impostors.set(key, found);
    for (const { label, frame } of mitm.injections) found.inject(label, frame);
    // The pair: the one facing the peer this one poses as, posing as the browser this one faces.
    const partner = mitm.impostors.get(`${posingAs} ${facing}`);
    if (partner) {
      found.bridge(partner);
      partner.bridge(found);
    }
    return found;
  }

  /** One browser's connection: the real relay's messages pass, the signals go to impostors. */
  function connect(mitm: Mitm, name: string, browser: WebSocket, query: string): void {
    const relay = new WebSocket(`ws://127.0.0.1:${serverPort}/relays/${name}/signal${query}`);
    let self = '';
    const toRelay: string[] = [];
    mitm.sockets.add(browser).add(relay);
    browser.on('error', () => relay.terminate());
    relay.on('error', () => browser.terminate());
    browser.on('close', (code) => relay.close(sendable(code)));
    relay.on('close', (code, reason) => browser.close(sendable(code), reason));
    relay.on('open', () => {
      for (const text of toRelay.splice(0)) relay.send(text);
    });
    browser.on('message', (raw) => {
      const text = String(raw);
      const message = JSON.parse(text) as RelayMessage;
      if (message.type === 'signal' && self && message.to && message.data)
        return impostor(mitm, browser, self, message.to).handle(message.data);
      if (relay.readyState === WebSocket.OPEN) relay.send(text);
      else toRelay.push(text);
    });
    relay.on('message', (raw) => {
      const text = String(raw);
      const message = JSON.parse(text) as RelayMessage;
      if (message.type === 'signal') return; // the real peer's: it never arrives
      if (message.type === 'welcome') self = message.id ?? '';
      browser.send(text);
      // The peer that joins would offer to this browser: its impostor does.
      if (message.type === 'peer-joined' && self && message.id) impostor(mitm, browser, self, message.id).offer();
    });
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(PREFIX) || !url.pathname.endsWith('/signal')) return;
    const name = url.pathname.slice(PREFIX.length, -'/signal'.length);
    const mitm = mitms.get(name);
    if (!mitm) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
    server.handleUpgrade(req, socket, head, (browser) => connect(mitm, name, browser, url.search));
  }

  function stop(mitm: Mitm): void {
    for (const each of mitm.impostors.values()) each.close();
    for (const socket of mitm.sockets) socket.terminate();
  }

  return {
    name: 'rtc-mitm',
    serverStart({
      server: http,
    }: {
      server?: { on(event: 'upgrade', listener: typeof onUpgrade): unknown; address(): unknown };
    }) {
      http?.on('upgrade', onUpgrade);
      const address = http?.address();
      if (typeof address === 'object' && address !== null) serverPort = (address as { port: number }).port;
    },
    async serverStop() {
      for (const mitm of mitms.values()) stop(mitm);
      mitms.clear();
      await stopLoopbackStun();
    },
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      if (!command.startsWith('mitm-')) return undefined;
      const { name = '', labels = [], label = '', text = '' } = (payload ?? {}) as Record<string, never>;
      switch (command) {
        case 'mitm-start': {
          const old = mitms.get(name);
          if (old) stop(old);
          mitms.set(name, {
            labels,
            stun: await loopbackStun(),
            impostors: new Map(),
            sockets: new Set(),
            injections: [],
          });
          return { url: `${PREFIX}${name}/signal` };
        }
        case 'mitm-inject': {
          const mitm = mitms.get(name);
          if (!mitm) return false;
          // An id far from the browsers' (they count from 1): a message of the relay's own.
          const frame = stringMessage(0x7fffffff, text);
          mitm.injections.push({ label, frame });
          for (const each of mitm.impostors.values()) each.inject(label, frame);
          return true;
        }
        case 'mitm-legs':
          return [...(mitms.get(name)?.impostors.values() ?? [])].flatMap((each) => each.leg() ?? []);
        default:
          return undefined;
      }
    },
  };
}
