/**
 * rtc-elements: every element at once. Importing this module registers all of them, and it exports
 * their classes, texts and types, and the SignalingClient. It is the package's main entry (also
 * `rtc-elements/all.js`) and, built, `all.js` beside the loader: for a page that must not load code
 * lazily. One element alone: `rtc-elements/rtc-camera.js`, or the loader, which imports only the
 * elements a page uses.
 * @packageDocumentation
 */
export * from './rtc-datachannel.js';
export {
  RtcCamera,
  rtcCameraStrings,
  mediaErrorText,
  type RtcCameraStrings,
  type RtcCameraStartDetail,
  type RtcCameraStopDetail,
  type RtcSnapshotDetail,
  type RtcRecordingDetail,
  type RtcRecordingErrorDetail,
  RecordingError,
  type MediaErrorCode,
  type MediaErrorDetail,
} from './rtc-camera.js';
export {
  RtcCall,
  rtcCallStrings,
  REACTIONS,
  type RtcCallStrings,
  type RtcCallStatus,
  type RtcCallErrorDetail,
  type RtcCallHandDetail,
  type RtcCallReactionDetail,
  type RtcTrackDetail,
  type RtcConnectionStateDetail,
} from './rtc-call.js';
export { RtcChat, rtcChatStrings, type RtcChatStrings, type RtcChatMessage } from './rtc-chat.js';
export { SignalingClient, defaultSignalingUrl } from './internal/signaling/signaling-client.js';
export type * from './internal/signaling/signaling-client.js';
