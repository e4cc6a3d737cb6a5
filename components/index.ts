/**
 * rtc-elements: importing this module registers every element.
 * @packageDocumentation
 */
// The order of these exports is the order of the modules in the bundle, and gzip only finds repeats
// within 32 KB: <rtc-datachannel> first puts the Room core (signaling client included) right after
// Lit and the chat, camera and call after it, each near the code it shares most with. Measured
// (npm run size): 300 bytes gzip less than the signaling client first. Measure again after moving
// code between modules.
export * from './rtc-datachannel.js';
export { RtcChat, rtcChatStrings, type RtcChatStrings, type RtcChatMessage } from './rtc-chat.js';
export { RtcCamera, rtcCameraStrings, mediaErrorText, type RtcCameraStrings, type RtcCameraStartDetail, type RtcCameraStopDetail, type RtcSnapshotDetail, type RtcRecordingDetail, type MediaErrorCode, type MediaErrorDetail } from './rtc-camera.js';
export { RtcCall, rtcCallStrings, type RtcCallStrings, type RtcCallStatus, type RtcCallErrorDetail, type RtcTrackDetail, type RtcConnectionStateDetail } from './rtc-call.js';
export { SignalingClient, defaultSignalingUrl } from './internal/signaling-client.js';
export type * from './internal/signaling-client.js';
