/**
 * rtc-elements/relay: the signaling relay as a library.
 *
 *   import { createRelay } from 'rtc-elements/relay';
 *   const relay = createRelay({ port: 8787 });
 *   await relay.ready;
 */
export { createRelay, type ReadinessCheck, type ReadinessReport, type Relay, type RelayStats } from './server.js';
export { SSE_REPLAY_BYTES } from './transports/sse.js';
export {
  createHttpHandler,
  type HealthReport,
  type HttpHandler,
  type HttpHandlerOptions,
  type ReadinessBody,
} from './http.js';
export { DEFAULT_OPTIONS, type RedisOptions, type RelayOptions, type StaticDirs } from './options.js';
export { createLogger, LOG_LEVELS, type Logger, type LogFields, type LogLevel } from './log.js';
export type { RelayMetrics } from './metrics.js';
export { newResumeToken, peerIdFor } from './ids.js';
export * from '../protocol/signaling.js';
