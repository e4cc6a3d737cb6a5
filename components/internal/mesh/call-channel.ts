/**
 * The `rtc-call` label's channel: a call's status and reactions, small JSON messages to every peer
 * or one. It speaks the data-channel contract (docs/datachannel.md, framing.ts) as far as a call
 * needs it, so it talks to any client of the contract, and leaves out what a call never sends:
 *
 * - the same negotiated channel and Hello handshake as every label (nothing is sent before the
 *   other side's Hello: its page may have no call yet);
 * - each message one `json` Message frame, the whole message in it; what is not (a chunk of a
 *   larger message, a file, a frame over MAX_MESSAGE) is dropped;
 * - a message for a peer whose channel is not open yet is dropped, not queued: a call sends its
 *   status to each peer as that peer's channel opens, and a reaction is of the moment.
 *
 * A call page therefore downloads no RoomChannel, PeerChannel, limits or file code (about 3.5 kB).
 * Events, as a RoomChannel's (CustomEvents): `open` {peer}, `close` {peer}, `message`
 * {from, data, type: 'json'}, `peer-error` {peer, code, message, hint}.
 */
import {
  channelIdOf,
  decodeFrame,
  decoder,
  encodeFrame,
  encoder,
  HelloType,
  Kind,
  messageTypes,
  type Frame,
} from './framing.js';
import type { PeerLink } from './peer-link.js';
import { labelCollision } from './room-errors.js';

/** A call's messages are a few dozen bytes; anything past this is not one of them. */
const MAX_MESSAGE = 4096;
const JSON_TYPE = messageTypes.indexOf('json');

export class CallChannel extends EventTarget {
  readonly streamId: number;
  /** Each peer's RTCDataChannel for this label, by peer id. */
  readonly #channels = new Map<string, RTCDataChannel>();
  /** The peers whose side answered our Hello (or sent theirs): messages flow. */
  readonly #ready = new Set<string>();
  #nextId = 0;

  constructor(readonly label: string) {
    super();
    this.streamId = channelIdOf(label);
  }

  /** The peers whose end of this channel is open. */
  get openPeers(): string[] {
    return [...this.#ready];
  }

  /** Sends `value` as JSON to every peer whose channel is open, or `to` one. */
  sendJSON(value: unknown, { to }: { to?: string } = {}): void {
    this.#nextId = (this.#nextId + 1) >>> 0;
    const payload = encoder.encode(JSON.stringify(value));
    const header = { kind: Kind.Message, type: JSON_TYPE, id: this.#nextId, offset: 0, total: payload.byteLength };
    const frame = encodeFrame(header, payload);
    for (const peer of this.#ready) {
      if (to === undefined || to === peer) this.#send(peer, frame);
    }
  }

  /** Opens this label on a new link. Called by the Room, once per link. */
  attach(link: PeerLink): void {
    this.#open(link);
  }

  /** The peer left. Called by the Room. */
  detach(peer: string): void {
    const channel = this.#channels.get(peer);
    this.#channels.delete(peer);
    this.#ready.delete(peer);
    channel?.close();
  }

  /** Closes the label on every link. */
  close(): void {
    for (const peer of this.#channels.keys()) this.detach(peer); // a Map iterates safely while it loses entries
  }

  #open(link: PeerLink): void {
    const peer = link.remoteId;
    let channel: RTCDataChannel;
    try {
      channel = link.dataChannel(this.label, this.streamId);
    } catch {
      return; // the connection is closed; the Room detaches it shortly
    }
    this.#channels.set(peer, channel);
    let opened = false;
    channel.onopen = () => {
      opened = true;
      this.#sendHello(peer, HelloType.Ask);
    };
    channel.onmessage = ({ data }) => {
      const frame = decodeFrame(data);
      if (frame && this.#channels.get(peer) === channel) this.#receive(peer, frame);
    };
    channel.onclose = () => {
      if (this.#channels.get(peer) !== channel) return; // detached
      if (this.#ready.delete(peer)) this.#emit('close', { peer });
      // The other page may start a call again later: be ready for it while the association lives
      // (as PeerChannel does; a channel that never opened is not retried).
      if (opened && link.pc.sctp?.state === 'connected') this.#open(link);
      else this.#channels.delete(peer);
    };
  }

  #receive(peer: string, frame: Frame): void {
    if (frame.kind === Kind.Hello) this.#onHello(peer, frame);
    else if (frame.kind === Kind.Message) this.#onMessage(peer, frame);
    // Anything else (a file, a Cancel, a newer peer's kind) is not for a call: dropped.
  }

  #onHello(peer: string, { type, payload }: Frame): void {
    const label = decoder.decode(payload);
    if (label !== this.label) {
      const { message, hint } = labelCollision(this.label, label);
      this.#emit('peer-error', { peer, code: 'label-collision', message, hint });
      return;
    }
    if (type === HelloType.Ask) this.#sendHello(peer, HelloType.Answer);
    if (!this.#ready.has(peer)) {
      this.#ready.add(peer);
      this.#emit('open', { peer });
    }
  }

  #onMessage(peer: string, { type, offset, total, payload }: Frame): void {
    const whole = offset === 0 && total === payload.byteLength;
    if (!this.#ready.has(peer) || type !== JSON_TYPE || !whole || total > MAX_MESSAGE) return;
    let data: unknown;
    try {
      data = JSON.parse(decoder.decode(payload));
    } catch {
      return; // not JSON: dropped
    }
    this.#emit('message', { from: peer, data, type: 'json' });
  }

  #sendHello(peer: string, type: number): void {
    this.#send(peer, encodeFrame({ kind: Kind.Hello, type, id: 0, offset: 0, total: 0 }, encoder.encode(this.label)));
  }

  #send(peer: string, frame: Uint8Array<ArrayBuffer>): void {
    const channel = this.#channels.get(peer);
    if (channel?.readyState !== 'open') return;
    try {
      channel.send(frame);
    } catch {
      // Closing under our feet: its close handler follows.
    }
  }

  #emit(type: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
