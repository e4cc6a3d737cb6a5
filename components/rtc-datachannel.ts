import { ReactiveElement, css } from '@lit/reactive-element';
import { define } from './internal/ui/define.js';
import { RoomController, roomProperties } from './internal/controllers/room-controller.js';
import type { ChannelData, SendFileOptions, SendOptions } from './internal/mesh/room-channel.js';
import { RtcError } from './internal/mesh/room-errors.js';
import type { TransferInfo } from './internal/mesh/peer-channel.js';
import type { PeerInfo, SignalingState } from './internal/signaling/signaling-client.js';

export type * from './internal/controllers/room-events.js';
export type { ChannelData, SendFileOptions, SendOptions } from './internal/mesh/room-channel.js';
export { RtcError } from './internal/mesh/room-errors.js';

/**
 * @summary A data channel to everyone in a room: messages and files of any size, peer to peer.
 *
 * Headless: it renders only its default slot, and the host is `display: none` until the page styles
 * it. Elements in one page with the same `room` and `signaling` share one connection per peer;
 * elements that also share a `label` share one channel (each sees every message).
 *
 * Data arrives as it was sent: strings as strings, ArrayBuffers and typed arrays as ArrayBuffers,
 * Blobs as Blobs, sendJSON() values parsed (with `type: 'json'`). Messages to a peer whose channel
 * is not open yet wait in a queue.
 *
 * @attr room - The room to join; nothing happens while it is empty.
 * @attr signaling - The relay's signaling URL (ws:, wss:, http:, https:). Default: `/signal` on the origin the script came from.
 * @attr name - Your display name, shown to the others in `rtc-peer-join`.
 * @attr label - The channel's label (default `data`); peers talk on channels with the same label.
 * @attr ordered - `false` for an unordered channel (files need an ordered, reliable one).
 * @attr max-retransmits - Retransmissions before a message is given up: makes the channel unreliable.
 * @attr max-message-size - Largest message accepted from a peer, in bytes (default 64 MiB); larger ones are refused with `too-large`.
 * @attr max-file-size - Largest file accepted from a peer, in bytes (default 4 GiB - 1, stored on disk; 256 MiB where the browser has no Origin Private File System and files are held in memory); larger ones are refused with `too-large`.
 * @attr max-transfers - Incoming files one peer may have open at once (default 4); more are refused with `busy`.
 * @attr max-transfer-bytes - Bytes (announced sizes) of one peer's incoming files open at once (default: the max file size); more are refused with `busy`.
 * @attr transfer-timeout - Milliseconds an incoming file may go without data before it is cancelled with `stalled` (default 30000).
 * @attr ice-servers - JSON array of RTCIceServer; overrides the ICE servers the relay hands out.
 * @attr state - Reflected, read only: `idle`, `connecting`, `joined`, `reconnecting` or `closed` (signaling).
 *
 * @slot - Optional status content, shown when the page makes the host visible.
 *
 * @fires rtc-open - {peer} The channel to a peer is open in both directions.
 * @fires rtc-close - {peer} The channel to a peer closed.
 * @fires rtc-message - {from, data, type} A message arrived.
 * @fires rtc-peer-join - {id, name} A peer is in the room (also for peers already there when joining).
 * @fires rtc-peer-leave - {id} A peer left the room.
 * @fires rtc-transfer-progress - {id, peer, loaded, total, direction} A file transfer moved on (both sides).
 * @fires rtc-file - {id, from, file} A file arrived whole, its SHA-256 checked.
 * @fires rtc-transfer-error - {id, peer, direction, code, message, hint?} A transfer failed: `cancelled`, `peer-left`, `integrity`, `read-failed`, `storage-failed`, or refused by the receiver: `too-large`, `busy`, `bad-frame`, `stalled`.
 * @fires rtc-message-error - {peer, direction, code, message, hint?} A message was refused as `too-large` or `bad-frame` (by the receiver, or by us), or a Blob could not be read (`read-failed`).
 * @fires rtc-peer-error - {peer, code, message, hint} A peer cannot be reached (`ice-failed`), negotiation failed, its label collides with ours, or it went over one of our limits (`too-large`, `busy`, `bad-frame`, `stalled`).
 * @fires rtc-signaling-error - {code, message, hint, fatal} The relay refused us or cannot be reached.
 *
 * @tagname rtc-datachannel
 */
export class RtcDatachannel extends ReactiveElement {
  static override styles = css`:host{display:none}`;

  static override properties = {
    ...roomProperties,
    label: {},
    // On unless the attribute says "false" (a plain boolean attribute could not say it).
    ordered: { converter: (value: string | null) => value !== 'false' },
    maxRetransmits: { type: Number },
    maxMessageSize: { type: Number },
    maxFileSize: { type: Number },
    maxTransfers: { type: Number },
    maxTransferBytes: { type: Number },
    transferTimeout: { type: Number },
    iceServers: { type: Array },
  };

  room = '';
  signaling = '';
  name = '';
  label = 'data';
  ordered = true;
  maxRetransmits: number | undefined;
  /** Largest incoming message in bytes; unset: 64 MiB. */
  maxMessageSize: number | undefined;
  /** Largest incoming file in bytes; unset: 4 GiB - 1 (256 MiB where files are held in memory). */
  maxFileSize: number | undefined;
  /** Incoming files one peer may have open at once; unset: 4. */
  maxTransfers: number | undefined;
  /** Bytes of one peer's incoming files open at once; unset: the max file size. */
  maxTransferBytes: number | undefined;
  /** Milliseconds an incoming file may go without data; unset: 30000. */
  transferTimeout: number | undefined;
  /** ICE servers instead of the relay's (attribute `ice-servers`, as JSON). */
  iceServers: RTCIceServer[] | undefined;

  readonly #controller = new RoomController(this, () => ({
    room: this.room,
    signaling: this.signaling,
    name: this.name,
    iceServers: this.iceServers,
    label: this.label,
    channel: {
      ordered: this.ordered,
      maxRetransmits: numberOrUnset(this.maxRetransmits),
      maxMessageSize: numberOrUnset(this.maxMessageSize),
      maxFileSize: numberOrUnset(this.maxFileSize),
      maxTransfers: numberOrUnset(this.maxTransfers),
      maxTransferBytes: numberOrUnset(this.maxTransferBytes),
      transferTimeout: numberOrUnset(this.transferTimeout),
    },
  }));

  /** The signaling state (also reflected as the `state` attribute). */
  get state(): SignalingState {
    return this.#controller.state;
  }

  /** Our own peer id in the room, once joined. */
  get peerId(): string | null {
    return this.#controller.room?.id ?? null;
  }

  /** The other peers in the room. */
  get peers(): PeerInfo[] {
    return this.#controller.room?.peers ?? [];
  }

  /** The peers whose channel with this label is open. */
  get openPeers(): string[] {
    return this.#controller.channel?.openPeers ?? [];
  }

  /** File transfers under way, sent and received. */
  get transfers(): TransferInfo[] {
    return this.#controller.channel?.transfers ?? [];
  }

  /** Sends a string, ArrayBuffer, typed array or Blob of any size to every peer, or `{to}` one. */
  send(data: ChannelData, options?: SendOptions): void {
    this.#channel().send(data, options);
  }

  /** Sends any JSON value; it arrives parsed, with `type: 'json'`. */
  sendJSON(value: unknown, options?: SendOptions): void {
    this.#channel().sendJSON(value, options);
  }

  /** Streams a file (or Blob) to every peer or `{to}` one; returns the transfer id. */
  sendFile(file: Blob, options?: SendFileOptions): string {
    return this.#channel().sendFile(file, options);
  }

  /** Stops a transfer in either direction; the peer gets `rtc-transfer-error` with `cancelled`. */
  cancelTransfer(id: string): boolean {
    return this.#controller.channel?.cancelTransfer(id) ?? false;
  }

  protected override updated(): void {
    // Reflected by hand: `state` is read from the controller, not a reactive property.
    if (this.getAttribute('state') !== this.state) this.setAttribute('state', this.state);
  }

  /** Its shadow root shows the default slot and nothing else: no template to render. */
  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    root.append(document.createElement('slot'));
    return root;
  }

  #channel() {
    const channel = this.#controller.channel;
    if (!channel)
      throw new RtcError('not-connected', 'This element is not in a room.', 'Set `room` and add it to the page.');
    return channel;
  }
}

/** A numeric attribute's value, or undefined when it is absent or not a number. */
function numberOrUnset(value: number | undefined): number | undefined {
  return Number.isNaN(value) ? undefined : (value ?? undefined);
}

define('rtc-datachannel', RtcDatachannel);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-datachannel': RtcDatachannel;
  }
}
