/**
 * The public events of the room-based elements (<rtc-datachannel>, <rtc-chat>, ...): their names,
 * their detail types, and their registration in GlobalEventHandlersEventMap. RoomController
 * dispatches them on its host element with `bubbles: true, composed: true`.
 */
import type { PeerErrorCode } from '../mesh/peer-link.js';
import type {
  ChannelPeerErrorDetail,
  FileDetail,
  MessageDetail,
  MessageErrorDetail,
  PeerDetail,
  TransferErrorDetail,
  TransferProgressDetail,
} from '../mesh/channel-events.js';
import type { SignalingErrorDetail } from '../signaling/signaling-client.js';
import type { SafetyCodeDetail } from '../mesh/room-verification.js';

export type {
  LimitCode,
  FileDetail,
  MessageDetail,
  MessageErrorDetail,
  MessageType,
  PeerDetail,
  TransferDirection,
  TransferErrorCode,
  TransferErrorDetail,
  TransferProgressDetail,
} from '../mesh/channel-events.js';
export type { TransferInfo } from '../mesh/peer-channel.js';
export type { SignalingErrorDetail } from '../signaling/signaling-client.js';
export type { SafetyCodeDetail } from '../mesh/room-verification.js';

export interface PeerJoinDetail {
  id: string;
  name: string;
}
/** A peer changed the name it is shown under. */
export type PeerRenameDetail = PeerJoinDetail;
export interface PeerLeaveDetail {
  id: string;
}
export interface PeerErrorDetail {
  /** The remote peer's id; '' for a label collision within this page. */
  peer: string;
  /**
   * `ice-failed` (no route between the peers: TURN needed), `negotiation-failed`,
   * `ice-servers-refused` (the browser refuses the ICE servers: no link to that peer), `label-collision`,
   * `peer-unverified` (the peer did not prove the room's passphrase: its link was closed), or a
   * LimitCode: the peer went over one of our limits and what it sent was refused.
   */
  code: PeerErrorCode | ChannelPeerErrorDetail['code'] | 'peer-unverified';
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
export type RtcSafetyCodeEvent = CustomEvent<SafetyCodeDetail>;

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
    'rtc-safety-code': RtcSafetyCodeEvent;
  }
}
