/**
 * A labelled channel across a whole Room: one PeerChannel (one negotiated RTCDataChannel) per remote
 * peer, all with the same label. Elements that name the same label share it. `send()` goes to every
 * peer or to one; what arrives from any peer is dispatched here as CustomEvents, one per entry of
 * ChannelEventMap (channel-events.ts):
 *
 *   open {peer}  close {peer}  message {from, data, type}  file {id, from, file}
 *   transfer-progress {id, peer, loaded, total, direction}  transfer-error {id, peer, direction, code, message}
 *   message-error {peer, direction, code, message, hint}  peer-error {peer, code, message, hint}
 */
import type { ChannelEventSink } from './channel-events.js';
import { channelIdOf, encoder, type MessageType } from './framing.js';
import type { ChannelOptions } from './limits.js';
import { MessageBody } from './message-body.js';
import { PeerChannel, transferId, type ChannelSpec, type TransferInfo } from './peer-channel.js';
import type { PeerLink } from './peer-link.js';
import { RtcError } from './room-errors.js';

export type { ChannelOptions } from './limits.js';

/** What `send()` accepts. */
export type ChannelData = string | Blob | ArrayBuffer | ArrayBufferView;

export interface SendOptions {
  /** One peer's id; default: every peer of the room. */
  to?: string;
}

export interface SendFileOptions extends SendOptions {
  /** The name the receivers see; default: the File's own name (a Blob: "file"). */
  name?: string;
}

export class RoomChannel extends EventTarget implements ChannelSpec {
  readonly streamId: number;
  readonly unreliable: boolean;
  /** One PeerChannel per remote peer, by peer id. */
  readonly #pipes = new Map<string, PeerChannel>();
  /** What the PeerChannels report, dispatched as events of this channel. */
  readonly #emit: ChannelEventSink = (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail }));

  constructor(
    readonly label: string,
    readonly options: ChannelOptions,
  ) {
    super();
    this.streamId = channelIdOf(label);
    this.unreliable = options.maxRetransmits !== undefined || options.maxPacketLifeTime !== undefined;
  }

  /** The peers whose end of this channel is open. */
  get openPeers(): string[] {
    return [...this.#pipes.values()].filter((pipe) => pipe.ready).map((pipe) => pipe.peer);
  }

  /** Transfers under way, in both directions. */
  get transfers(): TransferInfo[] {
    return [...this.#pipes.values()].flatMap((pipe) => pipe.transfers);
  }

  /**
   * Sends `data` to every peer (or `to` one). Strings arrive as strings, ArrayBuffers and typed
   * arrays as ArrayBuffers, Blobs as Blobs. Any size; queued until the peer's channel is open.
   */
  send(data: ChannelData, options: SendOptions = {}): void {
    if (typeof data === 'string') return this.#send('string', encoder.encode(data), options);
    if (data instanceof Blob) return this.#send('blob', data, options);
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : null;
    if (!bytes) throw new TypeError('send() takes a string, Blob or buffer');
    // A copy: a caller may reuse its buffer while the message still waits in a queue. (slice() makes
    // an ArrayBuffer even from a view on a SharedArrayBuffer, which a Blob or TextDecoder refuses.)
    this.#send('binary', bytes.slice(), options);
  }

  /** Sends any JSON value; it arrives parsed, with `type: 'json'`. */
  sendJSON(value: unknown, options: SendOptions = {}): void {
    this.#send('json', encoder.encode(JSON.stringify(value)), options);
  }

  /**
   * Streams a file to every peer (or `to` one), read as a stream for each, checked with SHA-256 on arrival.
   * Returns the transfer id used by progress and error events and by cancelTransfer().
   */
  sendFile(blob: Blob, options: SendFileOptions = {}): string {
    if (this.options.ordered === false || this.unreliable) {
      throw new RtcError(
        'unsuitable-channel',
        'Files need an ordered, reliable channel.',
        'Drop ordered="false" and max-retransmits.',
      );
    }
    // The id only tells this sender's transfers apart (each peer keeps its own): nothing secret.
    const file = { id: Math.floor(Math.random() * 2 ** 32), name: options.name ?? (blob as File).name ?? 'file' };
    for (const pipe of this.#recipients(options)) pipe.queueFile(file, blob);
    return transferId(file.id);
  }

  /** Stops a transfer (sent or received) with every peer it involves; false when there is none. */
  cancelTransfer(id: string): boolean {
    const wire = Number.parseInt(id, 16);
    let found = false;
    for (const pipe of this.#pipes.values()) {
      if (pipe.cancel(wire)) found = true;
    }
    return found;
  }

  /** Opens this label on a new link. Called by the Room, once per link (see Room#link). */
  attach(link: PeerLink): void {
    this.#pipes.set(link.remoteId, new PeerChannel(link, this, this.#emit));
  }

  /** The peer left: its transfers fail with `peer-left`. Called by the Room. */
  detach(peer: string): void {
    this.#pipes.get(peer)?.dispose();
    this.#pipes.delete(peer);
  }

  /** Closes the label on every link. */
  close(): void {
    for (const peer of this.#pipes.keys()) this.detach(peer); // a Map iterates safely while it loses entries
  }

  /** Queues a message to every peer, or `to` one. */
  #send(type: MessageType, data: Blob | Uint8Array<ArrayBuffer>, options: SendOptions): void {
    const body = new MessageBody(data);
    for (const pipe of this.#recipients(options)) pipe.queueMessage(type, body);
  }

  /** The PeerChannel to peer `to`, or every one when `to` is unset. */
  #recipients({ to }: SendOptions): Iterable<PeerChannel> {
    if (to === undefined) return this.#pipes.values();
    const pipe = this.#pipes.get(to);
    if (!pipe) throw new RtcError('no-such-peer', `No peer "${to}" here.`, 'Use an id from `peers`.');
    return [pipe];
  }
}
