/**
 * Relay options: their documentation, their defaults, and the up-front check that turns a bad value
 * into a TypeError naming the option (so a typo fails at start-up, not at the first connection).
 */
import type { Server } from 'node:http';
import { trustProxyProblem } from './addresses.js';
import { createLogger, SILENT, type Logger } from './log.js';
import { TOKEN_OPTION_CHECKS, tokenOptionsProblem, type TokenOptions } from './tokens.js';
import { TURN_OPTION_CHECKS, turnOptionsProblem, type TurnOptions } from './turn.js';
import type { IceServer } from '../protocol/signaling.js';

export type { Logger, LogFields } from './log.js';

/** Where the HTTP handler finds the files it serves. */
export interface StaticDirs {
  /**
   * The build output. Only its `browser/` folder is served (the loader `rtc-elements.js`, `all.js`,
   * the elements' files and `chunks/`), never the relay's own code beside it. Default:
   * `<package root>/dist`.
   */
  dist?: string;
  /** The demo pages, served at `/` (`index.html`). Default: `<package root>/demo`. */
  demo?: string;
}

/** Where relay instances share their rooms (docs/scaling.md). */
export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prepended to every key and channel, so several deployments can share one Redis. Default `'rtc:'`. */
  prefix?: string;
  /**
   * Milliseconds after an instance's last heartbeat in Redis that it counts as dead: its peers are
   * then lost (the others see them leave after the resume grace, unless they resume elsewhere).
   * Default 10000.
   */
  instanceTimeout?: number;
}

/** Join tokens (tokens.ts) and TURN credentials (turn.ts) have their options documented there. */
export interface RelayOptions extends TokenOptions, TurnOptions {
  /**
   * Listen on a port of our own HTTP server (0 picks a free one, see `relay.port`). That server serves
   * the browser build, the demo pages and `/healthz`, and signaling on `path` (WebSocket upgrades and SSE).
   */
  port?: number;
  /** The interface to listen on with `port`. Default `'127.0.0.1'` (the CLI defaults to `'0.0.0.0'`). */
  host?: string;
  /**
   * Attach to an existing HTTP server: the relay handles its `upgrade` requests and its requests for
   * `path` (SSE); every other request still goes to the server's own `request` listeners.
   */
  server?: Server;
  /**
   * Listen nowhere: the caller routes upgrades to `relay.handleUpgrade(req, socket, head)` and requests
   * for the signaling URL to `relay.handleRequest(req, res)`.
   */
  noServer?: boolean;
  /** The signaling endpoint (both transports) with `port` or `server`. Default `'/signal'`. */
  path?: string;
  /** Where the HTTP handler (`port` mode) finds the browser build and the demo pages. */
  staticDirs?: StaticDirs;
  /** ICE servers handed out in `welcome`. Default none. */
  iceServers?: IceServer[];
  /**
   * Largest inbound WebSocket frame, and largest SSE POST body, in bytes; a larger one closes the
   * connection with 1009. Default 64 KiB.
   */
  maxPayload?: number;
  /** Peers a room holds (a peer within its resume grace keeps its place). Default 32. */
  maxPeersPerRoom?: number;
  /** What a room name must match. Default `/^[A-Za-z0-9._~:-]{1,64}$/`. */
  roomPattern?: RegExp;
  /** Longest display name, in UTF-16 code units. Default 64. */
  maxNameLength?: number;
  /** Milliseconds a new connection has to send `join`. Default 10000. */
  joinTimeout?: number;
  /**
   * Milliseconds a TCP connection to our own server (`port` mode) has to send a whole request: a
   * WebSocket upgrade, an SSE stream's GET, a POST with its body, a request for a file. One that
   * sends nothing, or too slowly, is answered 408 and closed. (An open stream or WebSocket is not a
   * request in progress: the heartbeat looks after those.) Default 10000; Node's own is 60 s for the
   * headers, checked every 30 s. With `server`, set the server's `requestTimeout` and
   * `headersTimeout` yourself.
   */
  requestTimeout?: number;
  /** Sustained inbound messages per second per connection (token bucket refill). Default 50. */
  messagesPerSecond?: number;
  /** Inbound messages a connection may send in a burst (token bucket size). Default 200. */
  messageBurst?: number;
  /** Bytes queued for a slow reader before its connection is cut (and treated as lost). Default 1 MiB. */
  maxBufferedAmount?: number;
  /**
   * Milliseconds between heartbeats: a WebSocket ping (one left unanswered until the next is cut),
   * an SSE `: ping` comment (a dropped stream not back within one to two of these is lost).
   * Default 15000: proxies commonly cut an HTTP response that is silent for 30-60 s.
   */
  heartbeatInterval?: number;
  /** Milliseconds a lost peer keeps its id and place before the others get `peer-left`. Default 30000. */
  resumeGrace?: number;
  /**
   * Bytes of signals the relay holds for one peer within its resume grace (delivered when it
   * resumes); a signal past it is dropped and its sender gets `held-full`. Default 256 KiB.
   */
  maxHeldBytesPerPeer?: number;
  /** Bytes of signals held for all peers within their grace together (`held-full` past it). Default 32 MiB. */
  maxHeldBytes?: number;
  /**
   * Open connections the relay accepts, both transports together, plus peers within their resume
   * grace (each holds a place until it resumes or leaves). Default 10000.
   */
  maxConnections?: number;
  /**
   * Open connections one client address may hold (an IPv6 address counts by its /64); past it a new
   * one gets `too-many-connections` (1013). Default 100: raise it when many people share one
   * address (a school or an office behind one NAT).
   */
  maxConnectionsPerIp?: number;
  /**
   * Joins one client address may make in a minute, in a burst or spread out (resumes count); past it
   * `too-many-joins` (1013). Default 120.
   */
  joinsPerMinutePerIp?: number;
  /**
   * Reverse proxies whose `X-Forwarded-For` names the client (IP addresses, CIDR blocks, or
   * `'loopback'`, `'linklocal'`, `'uniquelocal'`). The client's address is then the rightmost one in
   * the header that is not such a proxy. Default none: the TCP peer is the client.
   */
  trustProxy?: string[];
  /** Page origins allowed to connect (exact `Origin` header values). Default: any origin. */
  allowedOrigins?: string[];
  /**
   * Where to log: a pino logger (or anything with pino's `info(fields, message)` shape, `console`
   * included). Default: a pino logger writing JSON lines to standard output from level `info`;
   * `false` for silence.
   */
  logger?: Logger | false;
  /**
   * Serve `/metrics` in Prometheus' text format (`port` mode, or `createHttpHandler({ relay })`),
   * with the process's own metrics and the event loop's lag. Default false: the counts tell
   * outsiders how busy the relay is.
   */
  metrics?: boolean;
  /** When set, `/metrics` answers only requests with `Authorization: Bearer <metricsToken>` (and is on). */
  metricsToken?: string;
  /**
   * Milliseconds `relay.drain()` (the CLI: SIGTERM) keeps serving the clients it has, refusing new
   * ones and answering `/readyz` with 503, before it closes them all with 1012 (come back). Time for
   * a load balancer to notice and send new clients elsewhere. Default 5000.
   */
  drainWindow?: number;
  /**
   * Share rooms with every relay instance that names the same Redis (a URL, or `RedisOptions`).
   * Default: rooms live in this process's memory.
   */
  redis?: string | RedisOptions;
}

/** Options after defaults, as the relay uses them. */
export interface ResolvedOptions
  extends
    Required<
      Omit<
        RelayOptions,
        | keyof TokenOptions
        | keyof TurnOptions
        | 'port'
        | 'server'
        | 'staticDirs'
        | 'allowedOrigins'
        | 'trustProxy'
        | 'logger'
        | 'metricsToken'
        | 'redis'
      >
    >,
    TokenOptions,
    TurnOptions {
  port: number | undefined;
  server: Server | undefined;
  trustProxy: readonly string[] | undefined;
  metricsToken: string | undefined;
  staticDirs: StaticDirs;
  allowedOrigins: ReadonlySet<string> | undefined;
  logger: Logger;
  redis: Required<RedisOptions> | undefined;
}

export const DEFAULT_OPTIONS = {
  host: '127.0.0.1',
  noServer: false,
  path: '/signal',
  staticDirs: {},
  iceServers: [],
  maxPayload: 64 * 1024,
  maxPeersPerRoom: 32,
  roomPattern: /^[A-Za-z0-9._~:-]{1,64}$/,
  maxNameLength: 64,
  joinTimeout: 10_000,
  requestTimeout: 10_000,
  messagesPerSecond: 50,
  messageBurst: 200,
  maxBufferedAmount: 1024 * 1024,
  heartbeatInterval: 15_000,
  resumeGrace: 30_000,
  maxHeldBytesPerPeer: 256 * 1024,
  maxHeldBytes: 32 * 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerIp: 100,
  joinsPerMinutePerIp: 120,
  metrics: false,
  drainWindow: 5000,
} as const satisfies RelayOptions;

const REDIS_DEFAULTS = { prefix: 'rtc:', instanceTimeout: 10_000 } as const;

/** The largest timer delay node accepts (about 24.8 days); beyond it setTimeout fires at once. */
const MAX_DELAY = 2 ** 31 - 1;

type Check = (value: unknown) => string | undefined;

const positiveInteger: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'must be a positive integer';
const delay: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= MAX_DELAY
    ? undefined
    : `must be a positive integer of milliseconds (at most ${MAX_DELAY})`;
const nonNegativeDelay: Check = (v) => (v === 0 ? undefined : delay(v));
const positiveNumber: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be a positive number';
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean');
const nonEmptyString: Check = (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CHECKS: Record<keyof RelayOptions, Check> = {
  port: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535
      ? undefined
      : 'must be an integer from 0 to 65535',
  host: nonEmptyString,
  server: (v) =>
    isObject(v) && typeof v.on === 'function' && typeof v.address === 'function'
      ? undefined
      : 'must be a node:http Server',
  noServer: boolean,
  path: (v) => (typeof v === 'string' && v.startsWith('/') ? undefined : "must be a string starting with '/'"),
  staticDirs: (v) =>
    isObject(v) &&
    Object.entries(v).every(
      ([k, d]) => (k === 'dist' || k === 'demo') && (d === undefined || (typeof d === 'string' && d !== '')),
    )
      ? undefined
      : 'must be an object { dist?: string, demo?: string }',
  iceServers: (v) =>
    Array.isArray(v) && v.every(isIceServer) ? undefined : 'must be an array of { urls, username?, credential? }',
  maxPayload: positiveInteger,
  maxPeersPerRoom: positiveInteger,
  roomPattern: (v) => (v instanceof RegExp ? undefined : 'must be a RegExp'),
  maxNameLength: positiveInteger,
  joinTimeout: delay,
  requestTimeout: delay,
  messagesPerSecond: positiveNumber,
  messageBurst: positiveInteger,
  maxBufferedAmount: positiveInteger,
  heartbeatInterval: delay,
  resumeGrace: nonNegativeDelay,
  maxHeldBytesPerPeer: positiveInteger,
  maxHeldBytes: positiveInteger,
  maxConnections: positiveInteger,
  maxConnectionsPerIp: positiveInteger,
  joinsPerMinutePerIp: positiveInteger,
  trustProxy: (v) => {
    if (!Array.isArray(v) || !v.every((entry) => typeof entry === 'string')) return 'must be an array of strings';
    for (const entry of v as string[]) {
      const problem = trustProxyProblem(entry);
      if (problem) return `has ${problem}`;
    }
    return undefined;
  },
  allowedOrigins: (v) =>
    Array.isArray(v) && v.every((o) => typeof o === 'string') ? undefined : 'must be an array of origin strings',
  logger: (v) =>
    v === false || (isObject(v) && ['info', 'warn', 'error'].every((m) => typeof v[m] === 'function'))
      ? undefined
      : 'must be false or an object with info, warn and error methods',
  metrics: boolean,
  metricsToken: nonEmptyString,
  drainWindow: nonNegativeDelay,
  redis: (v) => {
    const options = typeof v === 'string' ? { url: v } : v;
    if (!isObject(options) || !Object.keys(options).every((k) => ['url', 'prefix', 'instanceTimeout'].includes(k))) {
      return 'must be a redis:// URL or { url, prefix?, instanceTimeout? }';
    }
    const { url, prefix, instanceTimeout } = options;
    if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) return 'url must be a redis:// or rediss:// URL';
    if (prefix !== undefined && typeof prefix !== 'string') return 'prefix must be a string';
    if (instanceTimeout !== undefined) {
      const problem = delay(instanceTimeout);
      if (problem) return `instanceTimeout ${problem}`;
    }
    return undefined;
  },
  ...TOKEN_OPTION_CHECKS,
  ...TURN_OPTION_CHECKS,
};

function isIceServer(v: unknown): v is IceServer {
  if (!isObject(v)) return false;
  const { urls, username, credential } = v;
  const urlsOk =
    typeof urls === 'string'
      ? urls !== ''
      : Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string' && u !== '');
  return (
    urlsOk &&
    (username === undefined || typeof username === 'string') &&
    (credential === undefined || typeof credential === 'string')
  );
}

/** Applies the defaults and checks every option; throws a TypeError naming the first bad one. */
export function resolveOptions(options: RelayOptions = {}): ResolvedOptions {
  if (!isObject(options)) throw new TypeError('options must be an object');
  for (const [name, value] of Object.entries(options)) {
    if (!Object.hasOwn(CHECKS, name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
    if (value === undefined) continue;
    const problem = CHECKS[name as keyof RelayOptions](value);
    if (problem) throw new TypeError(`${name} ${problem}`);
  }
  const modes = [options.port !== undefined, options.server !== undefined, options.noServer === true];
  if (modes.filter(Boolean).length !== 1) {
    throw new TypeError('exactly one of port, server or noServer must be given');
  }
  const problem = tokenOptionsProblem(options) ?? turnOptionsProblem(options);
  if (problem) throw new TypeError(problem);

  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RelayOptions;
  const merged = { ...DEFAULT_OPTIONS, ...defined };
  return {
    ...merged,
    port: merged.port,
    server: merged.server,
    staticDirs: { ...merged.staticDirs },
    iceServers: structuredClone(merged.iceServers),
    // Without the g and y flags, test() keeps no lastIndex state between room names.
    roomPattern: new RegExp(merged.roomPattern.source, merged.roomPattern.flags.replace(/[gy]/g, '')),
    allowedOrigins: merged.allowedOrigins && new Set(merged.allowedOrigins),
    trustProxy: merged.trustProxy && [...merged.trustProxy],
    logger: merged.logger === false ? SILENT : (merged.logger ?? createLogger()),
    metrics: merged.metrics || merged.metricsToken !== undefined,
    metricsToken: merged.metricsToken,
    redis: resolveRedis(merged.redis),
  };
}

function resolveRedis(redis: string | RedisOptions | undefined): Required<RedisOptions> | undefined {
  if (redis === undefined) return undefined;
  const options = typeof redis === 'string' ? { url: redis } : redis;
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...REDIS_DEFAULTS, ...defined } as Required<RedisOptions>;
}
