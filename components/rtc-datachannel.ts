import { ReactiveElement, css } from '@lit/reactive-element';
import { define } from './internal/ui/define.js';
import type { TransportChoice } from './internal/signaling/transport.js';
import { RoomController, roomConfig, roomProperties } from './internal/controllers/room-controller.js';
import type { SafetyCodeDetail } from './internal/controllers/room-events.js';
import { RoomChannel, type ChannelData, type SendFileOptions, type SendOptions } from './internal/mesh/room-channel.js';
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
 * @attr room - The room to join. Nothing happens while it is empty.
 * @attr signaling - The relay's signaling URL (`ws:`, `wss:`, `http:`, `https:`, absolute or
 *   relative). Empty: `signal` beside the script the page loaded
 *   (`rtc-elements.js` on its relay).
 * @attr transport - How to reach the relay: `auto` (default: WebSocket, and SSE + POST at once when a
 *   proxy or network breaks WebSocket), `websocket` or `sse`; any other value is `auto`.
 * @attr name - Your display name, shown to the others in `rtc-peer-join`.
 * @attr token - A signed join token, for a relay that requires one (docs/security.md). A new value
 *   is used from the next join (a rejoin after a relay restart).
 * @attr token-url - A URL of your site that answers with a fresh join token (as text, or JSON
 *   `{"token": "..."}`), fetched before every join, so a session outlives its token. Wins over `token`.
 * @attr ice-transport-policy - `relay` connects through TURN servers only (the peers never learn each
 *   other's addresses); `all` (default) uses any route.
 * @attr passphrase - A secret the people in the room share (agreed in person, or over another
 *   channel than this page). Each peer must prove over its own connection that it knows it before
 *   anything of that connection is used, which a relay that puts itself in the middle cannot do
 *   (docs/security.md); a peer that does not is reported (`rtc-peer-error`, `peer-unverified`) and
 *   cut off. Set the property from a field the person types into rather than the attribute, which
 *   is in the page's source. Elements share a connection only when they name the same passphrase.
 * @attr verify-timeout - How long a connected peer has to prove the passphrase, in ms (default 10000).
 * @attr label - The channel's label. Peers talk on channels with the same label.
 * @attr ordered - `ordered="false"` for an unordered channel (files need an ordered, reliable one).
 * @attr max-retransmits - Retransmissions before a message is given up: makes the channel unreliable.
 * @attr max-message-size - The largest message accepted from a peer, in bytes (unset: 64 MiB); a
 *   larger one is dropped and refused (`rtc-message-error`, `too-large`, on both sides).
 * @attr max-file-size - The largest file accepted from a peer, in bytes (unset: 4 GiB - 1, stored on
 *   disk as it arrives; 256 MiB where the browser has no Origin Private File System and files are held
 *   in memory); a larger one is refused when it starts (`rtc-transfer-error`, `too-large`, on both
 *   sides).
 * @attr max-transfers - Incoming files one peer may have open at once (unset: 4); more are refused
 *   with `busy`.
 * @attr max-transfer-bytes - Bytes (announced sizes) of one peer's incoming files open at once (unset:
 *   the max file size); more are refused with `busy`.
 * @attr transfer-timeout - Milliseconds an incoming file may go without data before it is cancelled
 *   with `stalled` and freed (unset: 30000). A file we send that its receiver keeps paused (its
 *   storage is behind) for as long is given up with `stalled` too, and the files queued behind it go.
 * @attr ice-servers - ICE servers instead of the ones the relay hands out (for example your own TURN
 *   server), as a JSON array of RTCIceServer.
 * @attr state - The signaling state: `idle`, `connecting`, `joined`, `reconnecting` or `closed`.
 *   Read-only, reflected.
 *
 * @slot - Optional status content, shown when the page makes the host visible.
 *
 * @fires {PeerJoinDetail} rtc-peer-join - A peer is in the room (also, once, for each peer already
 *   there when joining).
 * @fires {PeerLeaveDetail} rtc-peer-leave - A peer left the room.
 * @fires {PeerDetail} rtc-open - The channel to a peer is open in both directions.
 * @fires {PeerDetail} rtc-close - The channel to a peer closed (it left, or removed its element).
 * @fires {MessageDetail} rtc-message - A message arrived.
 * @fires {TransferProgressDetail} rtc-transfer-progress - A file transfer moved on, in either
 *   `direction`. `loaded` rises to `total`: the first event has 0, then one at most every 256 KiB, and
 *   the last has `total`.
 * @fires {FileDetail} rtc-file - A file arrived whole and its SHA-256 matched.
 * @fires {TransferErrorDetail} rtc-transfer-error - A transfer failed and was freed: `cancelled`,
 *   `peer-left`, `integrity` (SHA-256 mismatch), `read-failed` (the file could not be read),
 *   `storage-failed` (it could not be stored), or refused by the receiver: `too-large` (with a `hint`),
 *   `busy`, `bad-frame`, `stalled` (docs/datachannel.md); and `stalled` for a file we send that its
 *   receiver kept paused for `transfer-timeout`.
 * @fires {MessageErrorDetail} rtc-message-error - A message was dropped: `too-large` (over the
 *   receiver's `max-message-size`; `direction` is `receive` where it was refused, `send` where it came
 *   from), `bad-frame`, `read-failed` (a Blob we sent could not be read).
 * @fires {PeerErrorDetail} rtc-peer-error - `ice-failed`: no route to the peer after bounded ICE
 *   restarts (the hint says whether a TURN server is needed, refused the TURN credentials, or could
 *   not be reached); `negotiation-failed`; `ice-servers-refused`: the browser refuses the ICE servers
 *   (`ice-servers`, or the relay's), so no connection to that peer is made; `label-collision`;
 *   `peer-unverified` (the peer did not prove the passphrase: its connection was closed, and nothing
 *   it sent was delivered); or the peer went over one of our limits (`too-large`, `busy`,
 *   `bad-frame`, `stalled`).
 * @fires {SafetyCodeDetail} rtc-safety-code - A link's safety code is known: once the connection is
 *   up, or, with a passphrase, once the peer proved it (`verified`).
 * @fires {SignalingErrorDetail} rtc-signaling-error - The relay cannot be reached or refused us (see
 *   docs/protocol.md for the codes).
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
  transport: TransportChoice = 'auto';
  name = '';
  token = '';
  tokenUrl = '';
  iceTransportPolicy: RTCIceTransportPolicy = 'all';
  passphrase = '';
  /** How long a connected peer has to prove the passphrase, in ms; unset: 10000. */
  verifyTimeout: number | undefined;
  label = 'data';
  ordered = true;
  maxRetransmits: number | undefined;
  maxMessageSize: number | undefined;
  /** Largest incoming file in bytes; unset: 4 GiB - 1 (256 MiB where files are held in memory). */
  maxFileSize: number | undefined;
  /** Incoming files one peer may have open at once; unset: 4. */
  maxTransfers: number | undefined;
  /** Bytes of one peer's incoming files open at once; unset: the max file size. */
  maxTransferBytes: number | undefined;
  /** Milliseconds an incoming file may go without data, or an outgoing one stay paused; unset: 30000. */
  transferTimeout: number | undefined;
  /** ICE servers instead of the relay's (attribute `ice-servers`, as JSON). */
  iceServers: RTCIceServer[] | undefined;

  readonly #controller = new RoomController(
    this,
    () => ({
      ...roomConfig(this, this.label),
      iceServers: this.iceServers,
      channel: {
        ordered: this.ordered,
        maxRetransmits: numberOrUnset(this.maxRetransmits),
        maxMessageSize: numberOrUnset(this.maxMessageSize),
        maxFileSize: numberOrUnset(this.maxFileSize),
        maxTransfers: numberOrUnset(this.maxTransfers),
        maxTransferBytes: numberOrUnset(this.maxTransferBytes),
        transferTimeout: numberOrUnset(this.transferTimeout),
      },
    }),
    { channel: RoomChannel },
  );

  /** The signaling state (also reflected as the `state` attribute). */
  get state(): SignalingState {
    return this.#controller.state;
  }

  /** Your own peer id in the room, once joined. */
  get peerId(): string | null {
    return this.#controller.room?.id ?? null;
  }

  /** The other peers in the room, with their names. */
  get peers(): PeerInfo[] {
    return this.#controller.room?.peers ?? [];
  }

  /** The peers whose channel with this label is open. */
  get openPeers(): string[] {
    return this.#controller.channel?.openPeers ?? [];
  }

  /** File transfers under way, in both directions. */
  get transfers(): TransferInfo[] {
    return this.#controller.channel?.transfers ?? [];
  }

  /**
   * The safety code of each link that is up: 8 emoji, the same on both sides when nobody is in
   * between. People compare them to check that no one listens in; with a passphrase, `verified`
   * says the peer proved it knows it.
   */
  get safetyCodes(): SafetyCodeDetail[] {
    return this.#controller.safetyCodes;
  }

  /**
   * Sends a string, ArrayBuffer, typed array or Blob, of any size, to every peer or to one (`to`, a
   * peer id). The data is copied at once, so the caller may reuse its buffer (a view on a
   * SharedArrayBuffer too). A Blob is read when its turn comes, once for all its recipients.
   */
  send(data: ChannelData, options?: SendOptions): void {
    this.#channel().send(data, options);
  }

  /** Sends any JSON value to every peer or to one (`to`); it arrives parsed, with `type: 'json'`. */
  sendJSON(value: unknown, options?: SendOptions): void {
    this.#channel().sendJSON(value, options);
  }

  /**
   * Streams a File or Blob (read once, for every recipient) to every peer or to one (`to`; `name`
   * names a Blob). The receivers get a `File` with the same name, type and lastModified once its
   * SHA-256 is checked. Returns the transfer id that the progress and error events carry.
   */
  sendFile(file: Blob, options?: SendFileOptions): string {
    return this.#channel().sendFile(file, options);
  }

  /**
   * Stops a transfer, sent or received; both sides get `rtc-transfer-error` with `cancelled`. False
   * when no such transfer is under way.
   */
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
