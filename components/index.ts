/**
 * rtc-elements: importing this module registers every element.
 * @packageDocumentation
 */
export { SignalingClient, defaultSignalingUrl } from './internal/signaling-client.js';
export type * from './internal/signaling-client.js';
