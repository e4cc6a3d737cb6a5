/**
 * What a labelled channel reports, and with which details: a PeerChannel hands each of these to its
 * sink, the RoomChannel dispatches them as CustomEvents, and the RoomController forwards them to
 * the element as `rtc-<name>` events (controllers/room-events.ts).
 */
import type { MessageType } from './framing.js';

export type { MessageType } from './framing.js';

export type TransferDirection = 'send' | 'receive';

/**
 * Why the receiver refused a message or a transfer because of what the peer sent: the peer went
 * over one of its limits (docs/datachannel.md, "Limits"). Also `rtc-peer-error` codes.
 */
export type LimitCode =
  /** Larger than the receiver's `max-file-size` (or `max-message-size`, for a message). */
  | 'too-large'
  /**
   * The peer already has `max-transfers` transfers (or `max-transfer-bytes` bytes) open with the
   * receiver, or it went on sending a file while the receiver asked it to pause.
   */
  | 'busy'
  /** The frames broke the contract: out of order, more bytes than announced, bad file metadata, an early end. */
  | 'bad-frame'
  /** No frame of the transfer for `transfer-timeout` ms. */
  | 'stalled';

export type TransferErrorCode =
  | LimitCode
  /** Either side called cancelTransfer(). */
  | 'cancelled'
  /** The peer left (or its channel closed) before the transfer finished. */
  | 'peer-left'
  /** The received bytes do not have the sender's SHA-256. */
  | 'integrity'
  /** The file could not be read (it was deleted or changed meanwhile). */
  | 'read-failed'
  /** The receiver could not store the file (no room left, or no storage for a file that large). */
  | 'storage-failed';

/** The codes a Cancel frame may carry (its payload): the receiver's refusals, and `cancelled`. */
export const cancelCodes: readonly TransferErrorCode[] = [
  'cancelled',
  'too-large',
  'busy',
  'bad-frame',
  'stalled',
  'storage-failed',
];

export interface PeerDetail {
  /** The remote peer's id. */
  peer: string;
}

export interface MessageDetail {
  /** The sender's peer id. */
  from: string;
  /** A string, an ArrayBuffer, a Blob, or (from sendJSON) the parsed JSON value. */
  data: unknown;
  /** How it was sent: `string`, `binary` (ArrayBuffer), `blob` or `json`. */
  type: MessageType;
}

export interface FileDetail {
  /** The transfer id (as in the progress events). */
  id: string;
  from: string;
  /** The received file, with the sender's name, type and lastModified; its SHA-256 was checked. */
  file: File;
}

export interface TransferProgressDetail {
  id: string;
  peer: string;
  /** Bytes sent or received so far: rises monotonically to `total`. */
  loaded: number;
  total: number;
  direction: TransferDirection;
}

export interface TransferErrorDetail {
  id: string;
  peer: string;
  direction: TransferDirection;
  code: TransferErrorCode;
  message: string;
  /** What to do about it (set for the refusals of LimitCode and for `storage-failed`). */
  hint?: string | undefined;
}

export interface MessageErrorDetail {
  /** The peer that refused our message (`send`), or whose message we refused (`receive`). */
  peer: string;
  direction: TransferDirection;
  /**
   * `too-large`: over the receiver's `max-message-size`; `bad-frame`: its frames broke the contract;
   * `read-failed`: a Blob we sent could not be read; `cancelled`: refused for another reason.
   */
  code: 'too-large' | 'bad-frame' | 'read-failed' | 'cancelled';
  message: string;
  hint?: string | undefined;
}

/** A channel-level problem with one peer. */
export interface ChannelPeerErrorDetail {
  /** The remote peer's id. */
  peer: string;
  /**
   * `label-collision`: the peer's channel with our channel's id has another label; a LimitCode: the
   * peer went over one of our limits (what it sent was refused; the channel stays open).
   */
  code: 'label-collision' | LimitCode;
  message: string;
  hint: string;
}

/** Every event of a labelled channel, by name. */
export interface ChannelEventMap {
  open: PeerDetail;
  close: PeerDetail;
  message: MessageDetail;
  file: FileDetail;
  'transfer-progress': TransferProgressDetail;
  'transfer-error': TransferErrorDetail;
  'message-error': MessageErrorDetail;
  'peer-error': ChannelPeerErrorDetail;
}

/** Where a PeerChannel sends what it has to report. */
export type ChannelEventSink = <K extends keyof ChannelEventMap>(type: K, detail: ChannelEventMap[K]) => void;
