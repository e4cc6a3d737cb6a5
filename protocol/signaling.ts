/**
 * The rtc-elements signaling protocol, version 1: the wire types shared by the relay and every
 * client, and the meaning of its codes. docs/protocol.md is the prose contract; this file is the
 * same contract as types and tables.
 *
 * Transports: one endpoint URL, two ways to reach it, the same JSON messages over both:
 * - WebSocket: one connection per (client, room), one message per text frame;
 * - SSE + POST: a `GET` with `Accept: text/event-stream` carries the relay's messages (one event
 *   each), `POST`s to the same URL with the stream's session carry the client's (one per line).
 * The browser side imports this module for its types (and the small constant tables below).
 */

/** The protocol version this relay speaks; sent in `welcome`. */
export const PROTOCOL_VERSION = 1;

/** Any JSON value: what `signal.data` may carry. The relay forwards it untouched. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An RTCIceServer as handed out by the relay (the same shape as the browser's). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * What a signed join token may allow (its `caps` claim). The relay vouches for them: it hands each
 * peer's to the others (`PeerInfo.caps`), and the elements act on them (docs/security.md).
 */
export const Capabilities = {
  /** May send media (camera, microphone, screen): the others show its tracks. */
  Publish: 'publish',
  /** May use data channels (messages, files, chat): the others open channels with it. */
  Data: 'data',
  /** Carried for the page: no relay message or element acts on it in protocol version 1. */
  Moderate: 'moderate',
} as const;
export type Capability = (typeof Capabilities)[keyof typeof Capabilities];

/** A peer as others see it. */
export interface PeerInfo {
  /** Assigned by the relay; unguessable; stable across a resume. */
  id: string;
  /** The display name the peer joined with ('' when none); its token's name when it has one. */
  name: string;
  /**
   * What its join token allows, when it joined with a token that lists capabilities; absent: no
   * restriction (no token, or a token without `caps`).
   */
  caps?: Capability[];
}

// ---- client -> relay ------------------------------------------------------------------------

/** First message on a connection: enter a room. */
export interface JoinMessage {
  type: 'join';
  /** Room name: 1-64 characters from `A-Z a-z 0-9 - _ . ~ :` (the relay may be configured otherwise). */
  room: string;
  /** Display name shown to the others; at most 64 characters. */
  name?: string;
  /**
   * A signed join token (a JWT), required by a relay configured with a token key: it names the room
   * (or a prefix), may fix the name and lists capabilities. A relay without a key ignores it.
   */
  token?: string;
  /** The `resume` token from an earlier `welcome`: keeps the same id (see "Resume" in the docs). */
  resume?: string;
}

/** Send `data` to one peer of the same room. */
export interface SignalOutMessage {
  type: 'signal';
  to: string;
  data: JsonValue;
}

/**
 * Leave the room now: the others get `peer-left` at once and the relay ends the connection (1000).
 * The way to say goodbye over SSE; over WebSocket a close frame says the same.
 */
export interface LeaveMessage {
  type: 'leave';
}

/** Change the display name the others see (after `join`); they get `peer-renamed`. */
export interface NameMessage {
  type: 'name';
  /** The new display name; at most 64 characters, as `join.name`. */
  name: string;
}

/**
 * Ask for fresh ICE servers (after `join`): TURN credentials expire, and a connection older than
 * their lifetime needs new ones before an ICE restart. Answered with `ice-servers`.
 */
export interface IceServersRequest {
  type: 'ice-servers';
}

export type ClientMessage = JoinMessage | SignalOutMessage | LeaveMessage | NameMessage | IceServersRequest;

// ---- relay -> client ------------------------------------------------------------------------

/** Answer to `join`: who you are and who is already there. */
export interface WelcomeMessage {
  type: 'welcome';
  protocol: typeof PROTOCOL_VERSION;
  /** Your id in this room. */
  id: string;
  room: string;
  /** The others in the room, oldest first. */
  peers: PeerInfo[];
  /**
   * ICE servers the relay recommends (empty unless the operator configured some). TURN credentials
   * in it are made for this peer and expire; `ice-servers` asks for fresh ones.
   */
  iceServers: IceServer[];
  /** What your join token allows, when it lists capabilities (see `PeerInfo.caps`). */
  caps?: Capability[];
  /** Secret token: send it as `join.resume` after a lost connection to keep your id. */
  resume: string;
  /** True when this join resumed an earlier session (same id). */
  resumed: boolean;
}

/** Someone entered the room (or came back after a relay restart). */
export interface PeerJoinedMessage extends PeerInfo {
  type: 'peer-joined';
}

/** Someone left the room, or its connection was lost for longer than the resume grace period. */
export interface PeerLeftMessage {
  type: 'peer-left';
  id: string;
}

/** Someone of the room changed its display name (its `name` message). */
export interface PeerRenamedMessage {
  type: 'peer-renamed';
  id: string;
  name: string;
}

/** A `signal` from another peer; `from` is set by the relay and cannot be forged. */
export interface SignalInMessage {
  type: 'signal';
  from: string;
  data: JsonValue;
}

/** Something went wrong; `code` is stable, `message` and `hint` are for humans. */
export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** What the user or the page's author can do about it, in the relay's words (it knows its limits). */
  hint?: string;
  /** For errors about a `signal`: the `to` it named. */
  to?: string;
}

/** The answer to `ice-servers`: the ICE servers to use from now on, with fresh TURN credentials. */
export interface IceServersMessage {
  type: 'ice-servers';
  iceServers: IceServer[];
}

export type ServerMessage =
  | WelcomeMessage
  | PeerJoinedMessage
  | PeerLeftMessage
  | PeerRenamedMessage
  | SignalInMessage
  | IceServersMessage
  | ErrorMessage;

// ---- codes ----------------------------------------------------------------------------------

/** Stable error codes carried by `error` messages. */
export const ErrorCodes = {
  /** The frame is not JSON, not an object, or a field has the wrong type or length. */
  BadMessage: 'bad-message',
  /** The `type` is not one this relay knows. */
  UnknownType: 'unknown-type',
  /** The room name breaks the room-name rules. The connection is closed (1008). */
  BadRoom: 'bad-room',
  /** The room already holds its maximum number of peers. The connection is closed (1008). */
  RoomFull: 'room-full',
  /** A `signal`, `name` or `ice-servers` arrived before `join`. */
  NotJoined: 'not-joined',
  /** A second `join` on the same connection. */
  AlreadyJoined: 'already-joined',
  /** `signal.to` names no peer of this room. Nothing was delivered. */
  NoSuchPeer: 'no-such-peer',
  /**
   * `signal.to` names a peer within its resume grace, and the relay already holds as many signals
   * for it (or for all such peers) as it allows. This one was dropped.
   */
  HeldFull: 'held-full',
  /** The connection sent more than its message rate allows. The connection is closed (1008). */
  RateLimited: 'rate-limited',
  /** No `join` arrived within the join deadline. The connection is closed (1008). */
  JoinTimeout: 'join-timeout',
  /** The relay holds as many connections as it allows. The connection is closed (1013). */
  ServerFull: 'server-full',
  /** The client's address holds as many connections as the relay allows one address. Closed (1013). */
  TooManyConnections: 'too-many-connections',
  /** The client's address joined as often this minute as the relay allows one address. Closed (1013). */
  TooManyJoins: 'too-many-joins',
  /** The page's origin is not allowed by the relay. The connection is closed (1008). */
  OriginNotAllowed: 'origin-not-allowed',
  /** The same id connected again elsewhere; this older connection is closed (4001). */
  Replaced: 'replaced',
  /** The relay requires a join token and the `join` had none. The connection is closed (1008). */
  TokenRequired: 'token-required',
  /**
   * The join token is not one the relay accepts: malformed, signed with another key or algorithm,
   * not valid yet (`nbf`), or with claims of the wrong form. The connection is closed (1008).
   */
  TokenInvalid: 'token-invalid',
  /** The join token's `exp` has passed. The connection is closed (1008). */
  TokenExpired: 'token-expired',
  /** The join token is for another room. The connection is closed (1008). */
  TokenRoom: 'token-room',
  /** A `name` from a peer whose join token names it: the token's name stays. Nothing changes. */
  NameFixed: 'name-fixed',
  /**
   * The relay cannot check tokens right now (the key set it fetches did not come). The connection
   * is closed (1013).
   */
  TokenUnverifiable: 'token-unverifiable',
  /**
   * Relay instances share rooms through a directory (Redis) that this one cannot reach now: a `join`
   * is refused (closed with 1013: try again later) and a `signal` to a peer on another instance is
   * not delivered (carries `to`; the connection stays open). Peers on the same instance still work.
   */
  DirectoryUnavailable: 'directory-unavailable',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Close codes (RFC 6455 section 7.4, plus private ones); over SSE they arrive in the `close` event. */
export const CloseCodes = {
  /** From a client: it leaves. From the relay: the client asked to leave (`leave`). */
  Normal: 1000,
  /** From a browser: the page went away. A leave. */
  GoingAway: 1001,
  /** No code in the close frame (what a browser's `ws.close()` sends). A leave. */
  NoStatus: 1005,
  /** No close frame at all: the connection was lost (reported locally, never sent). */
  Abnormal: 1006,
  /** Policy violation: rate limit, join deadline, room full, bad origin, a refused token, malformed traffic. */
  Policy: 1008,
  /** A frame larger than the relay's maximum payload. */
  TooBig: 1009,
  InternalError: 1011,
  /** The relay is restarting or shutting down: reconnect (and resume) shortly. */
  ServiceRestart: 1012,
  /**
   * Try again later: the relay is overloaded, this client's address has reached its limits, or the
   * relay cannot check a token right now.
   */
  TryAgainLater: 1013,
  /**
   * Private range, from a client: "I will come back" (switching transport, or reconnecting on
   * purpose). The only client close that keeps the peer's place for the resume grace.
   */
  Reconnecting: 4000,
  /** Private range: this session was taken over by a newer connection with the same resume token. */
  Replaced: 4001,
} as const;

/** What an error code means for the connection that receives it. */
export interface ErrorMeaning {
  /** The relay closes the connection right after the error, with this close code. */
  closesWith?: number;
  /** Reconnecting cannot help: a client stops for good (it would be refused again, or is replaced). */
  final: boolean;
}

/**
 * Every error code's meaning, for clients: which ones close the connection (and with what code),
 * and which ones end a session for good. A code not listed here (a newer relay's) is neither.
 */
export const ERROR_MEANINGS: Readonly<Record<ErrorCode, ErrorMeaning>> = {
  'bad-message': { final: false },
  'unknown-type': { final: false },
  'not-joined': { final: false },
  // A client that joins twice has a bug that a reconnect repeats.
  'already-joined': { final: true },
  'no-such-peer': { final: false },
  'held-full': { final: false },
  'bad-room': { closesWith: CloseCodes.Policy, final: true },
  'room-full': { closesWith: CloseCodes.Policy, final: true },
  'rate-limited': { closesWith: CloseCodes.Policy, final: false },
  'join-timeout': { closesWith: CloseCodes.Policy, final: false },
  'origin-not-allowed': { closesWith: CloseCodes.Policy, final: true },
  'server-full': { closesWith: CloseCodes.TryAgainLater, final: false },
  'too-many-connections': { closesWith: CloseCodes.TryAgainLater, final: false },
  'too-many-joins': { closesWith: CloseCodes.TryAgainLater, final: false },
  replaced: { closesWith: CloseCodes.Replaced, final: true },
  'token-required': { closesWith: CloseCodes.Policy, final: true },
  'token-invalid': { closesWith: CloseCodes.Policy, final: true },
  // A fresh token helps: a client that can get one (the elements' `token-url`) joins again with it;
  // one that cannot stops.
  'token-expired': { closesWith: CloseCodes.Policy, final: false },
  'token-room': { closesWith: CloseCodes.Policy, final: true },
  'name-fixed': { final: false },
  'token-unverifiable': { closesWith: CloseCodes.TryAgainLater, final: false },
  // Closes a join with 1013, but leaves a connection open that a signal was refused on.
  'directory-unavailable': { final: false },
};

/** Whether an error code ends a session for good (a code this version does not know does not). */
export function isFinalError(code: string): boolean {
  return Object.hasOwn(ERROR_MEANINGS, code) && ERROR_MEANINGS[code as ErrorCode].final;
}

/** The hint for errors only a page and a relay of different versions (or a buggy client) can cause. */
export const VERSION_HINT = 'Check that the page and the relay run the same version.';

// ---- transports -----------------------------------------------------------------------------

/** The two ways to reach a relay's signaling endpoint. */
export const Transports = {
  WebSocket: 'websocket',
  Sse: 'sse',
} as const;
export type TransportName = (typeof Transports)[keyof typeof Transports];

/** SSE: the `event:` names besides the default (`message`, which carries a ServerMessage). */
export const SseEvents = {
  /** The stream's first event: `{"session": "<secret>"}`, the secret its POSTs name. */
  Session: 'session',
  /** The stream's last event: `{"code": <close code>, "reason": "<code or text>"}`. */
  Close: 'close',
} as const;

/** SSE: the first event's data. */
export interface SseSessionEvent {
  session: string;
}

/** SSE: the last event's data (the same code and reason a WebSocket close frame would carry). */
export interface SseCloseEvent {
  code: number;
  reason: string;
}

/** SSE: the query parameters of the signaling URL. */
export const SseParams = {
  /** On POSTs (and on a GET that reconnects a stream): the secret from the `session` event. */
  Session: 'session',
  /** On a GET that reconnects: the last event id received (EventSource cannot set the header). */
  LastEventId: 'last-event-id',
} as const;
