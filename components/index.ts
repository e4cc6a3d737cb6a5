/**
 * rtc-elements: importing this module registers every element.
 * @packageDocumentation
 */
export { SignalingClient, defaultSignalingUrl } from './internal/signaling-client.js';
export type * from './internal/signaling-client.js';
export { RtcCamera, rtcCameraStrings, mediaErrorText, type RtcCameraStrings, type RtcCameraStartDetail, type RtcCameraStopDetail, type RtcSnapshotDetail, type RtcRecordingDetail, type MediaErrorCode, type MediaErrorDetail } from './rtc-camera.js';
export * from './rtc-datachannel.js';
export { RtcChat, rtcChatStrings, type RtcChatStrings, type RtcChatMessage } from './rtc-chat.js';
export { RtcCall, rtcCallStrings, type RtcCallStrings, type RtcCallStatus, type RtcCallErrorDetail, type RtcTrackDetail, type RtcConnectionStateDetail } from './rtc-call.js';
