/**
 * rtc-elements: importing this module registers every element.
 * @packageDocumentation
 */
// The order of these exports is the order of the modules in the bundle, and gzip only finds repeats
// within 32 KB: <rtc-datachannel> first puts the Room core (signaling client included) right after
// Lit, then the camera, the call and the chat, each near the code it shares most with. Measured
// (npm run size): about 300 bytes gzip less than the signaling client first, and 22 less than the
// chat before the camera. Measure again after moving code between modules.
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
  type RtcCallStrings,
  type RtcCallStatus,
  type RtcCallErrorDetail,
  type RtcTrackDetail,
  type RtcConnectionStateDetail,
} from './rtc-call.js';
export { RtcChat, rtcChatStrings, type RtcChatStrings, type RtcChatMessage } from './rtc-chat.js';
export { SignalingClient, defaultSignalingUrl } from './internal/signaling/signaling-client.js';
export type * from './internal/signaling/signaling-client.js';
