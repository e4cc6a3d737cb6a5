/**
 * The public events of the room-based elements (<rtc-datachannel>, <rtc-chat>, ...): their names,
 * their detail types, and their registration in GlobalEventHandlersEventMap. RoomController
 * dispatches them on its host element with `bubbles: true, composed: true`.
 */
import type { MessageType, TransferDirection, TransferErrorCode } from '../mesh/peer-channel.js';
import type { PeerErrorCode } from '../mesh/peer-link.js';
import type { SignalingErrorDetail } from '../signaling/signaling-client.js';

export type { MessageType, TransferDirection, TransferErrorCode, TransferInfo } from '../mesh/peer-channel.js';
export type { SignalingErrorDetail } from '../signaling/signaling-client.js';

export interface PeerDetail {
  /** The remote peer's id. */
  peer: string;
}
export interface PeerJoinDetail {
  id: string;
  name: string;
}
/** A peer changed the name it is shown under. */
export type PeerRenameDetail = PeerJoinDetail;
export interface PeerLeaveDetail {
  id: string;
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
  hint?: string;
}
export interface MessageErrorDetail {
  /** The peer that refused our message (`send`), or whose message we refused (`receive`). */
  peer: string;
  direction: TransferDirection;
  /** `too-large`: over the receiver's `max-message-size`; `read-failed`: a Blob could not be read. */
  code: 'too-large' | 'read-failed' | 'cancelled';
  message: string;
  hint?: string;
}
export interface PeerErrorDetail {
  /** The remote peer's id; '' for a label collision within this page. */
  peer: string;
  /**
   * `ice-failed` (no route between the peers: TURN needed), `negotiation-failed`,
   * `ice-servers-refused` (the browser refuses the ICE servers: no link to that peer), `label-collision`.
   */
  code: PeerErrorCode | 'label-collision';
  message: string;
  hint: string;
}

export type RtcOpenEvent = CustomEvent<PeerDetail>;
export type RtcCloseEvent = CustomEvent<PeerDetail>;
export type RtcMessageEvent = CustomEvent<MessageDetail>;
export type RtcPeerJoinEvent = CustomEvent<PeerJoinDetail>;
export type RtcPeerLeaveEvent = CustomEvent<PeerLeaveDetail>;
export type RtcPeerRenameEvent = CustomEvent<PeerRenameDetail>;
export type RtcFileEvent = CustomEvent<FileDetail>;
export type RtcTransferProgressEvent = CustomEvent<TransferProgressDetail>;
export type RtcTransferErrorEvent = CustomEvent<TransferErrorDetail>;
export type RtcMessageErrorEvent = CustomEvent<MessageErrorDetail>;
export type RtcPeerErrorEvent = CustomEvent<PeerErrorDetail>;
export type RtcSignalingErrorEvent = CustomEvent<SignalingErrorDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-open': RtcOpenEvent;
    'rtc-close': RtcCloseEvent;
    'rtc-message': RtcMessageEvent;
    'rtc-peer-join': RtcPeerJoinEvent;
    'rtc-peer-leave': RtcPeerLeaveEvent;
    'rtc-peer-rename': RtcPeerRenameEvent;
    'rtc-file': RtcFileEvent;
    'rtc-transfer-progress': RtcTransferProgressEvent;
    'rtc-transfer-error': RtcTransferErrorEvent;
    'rtc-message-error': RtcMessageErrorEvent;
    'rtc-peer-error': RtcPeerErrorEvent;
    'rtc-signaling-error': RtcSignalingErrorEvent;
  }
}
