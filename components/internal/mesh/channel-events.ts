/**
 * What a labelled channel reports, and with which details: a PeerChannel hands each of these to its
 * sink, the RoomChannel dispatches them as CustomEvents, and the RoomController forwards them to
 * the element as `rtc-<name>` events (controllers/room-events.ts).
 */
import type { MessageType } from './framing.js';

export type { MessageType } from './framing.js';

export type TransferDirection = 'send' | 'receive';

export type TransferErrorCode =
  /** Either side called cancelTransfer(). */
  | 'cancelled'
  /** The peer left (or its channel closed) before the transfer finished. */
  | 'peer-left'
  /** The received bytes do not have the sender's SHA-256. */
  | 'integrity'
  /** The file could not be read (it was deleted or changed meanwhile). */
  | 'read-failed'
  /** Larger than the receiver's `max-file-size` (or `max-message-size`, for a message). */
  | 'too-large';

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
  /** What to do about it (set for `too-large`). */
  hint?: string | undefined;
}

export interface MessageErrorDetail {
  /** The peer that refused our message (`send`), or whose message we refused (`receive`). */
  peer: string;
  direction: TransferDirection;
  /** `too-large`: over the receiver's `max-message-size`; `read-failed`: a Blob could not be read. */
  code: 'too-large' | 'read-failed' | 'cancelled';
  message: string;
  hint?: string | undefined;
}

/** A channel-level problem with one peer. */
export interface ChannelPeerErrorDetail {
  /** The remote peer's id. */
  peer: string;
  /** `label-collision`: the peer's channel with our channel's id has another label. */
  code: 'label-collision';
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
