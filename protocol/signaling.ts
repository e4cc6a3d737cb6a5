/**
 * The rtc-elements signaling protocol, version 1: the wire types shared by the relay and every
 * client. docs/protocol.md is the prose contract; this file is the same contract as types.
 *
 * Transport: one WebSocket per (client, room), JSON text frames, one message per frame.
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

/** A peer as others see it. */
export interface PeerInfo {
  /** Assigned by the relay; unguessable; stable across a resume. */
  id: string;
  /** The display name the peer joined with ('' when none). */
  name: string;
}

// ---- client -> relay ------------------------------------------------------------------------

/** First message on a connection: enter a room. */
export interface JoinMessage {
  type: 'join';
  /** Room name: 1-64 characters from `A-Z a-z 0-9 - _ . ~ :` (the relay may be configured otherwise). */
  room: string;
  /** Display name shown to the others; at most 64 characters. */
  name?: string;
  /** A signed join token (reserved: verified by a later version of the relay; ignored now). */
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

/** Change the display name the others see (after `join`); they get `peer-renamed`. */
export interface NameMessage {
  type: 'name';
  /** The new display name; at most 64 characters, as `join.name`. */
  name: string;
}

export type ClientMessage = JoinMessage | SignalOutMessage | NameMessage;

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
  /** ICE servers the relay recommends (empty unless the operator configured some). */
  iceServers: IceServer[];
  /** Secret token: send it as `join.resume` after a lost connection to keep your id. */
  resume: string;
  /** True when this join resumed an earlier session (same id). */
  resumed: boolean;
}

/** Someone entered the room (or came back after a relay restart). */
export interface PeerJoinedMessage {
  type: 'peer-joined';
  id: string;
  name: string;
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

export type ServerMessage =
  | WelcomeMessage
  | PeerJoinedMessage
  | PeerLeftMessage
  | PeerRenamedMessage
  | SignalInMessage
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
  /** A `signal` or `name` arrived before `join`. */
  NotJoined: 'not-joined',
  /** A second `join` on the same connection. */
  AlreadyJoined: 'already-joined',
  /** `signal.to` names no peer of this room. Nothing was delivered. */
  NoSuchPeer: 'no-such-peer',
  /** The connection sent more than its message rate allows. The connection is closed (1008). */
  RateLimited: 'rate-limited',
  /** No `join` arrived within the join deadline. The connection is closed (1008). */
  JoinTimeout: 'join-timeout',
  /** The relay holds as many connections as it allows. The connection is closed (1013). */
  ServerFull: 'server-full',
  /** The page's origin is not allowed by the relay. The connection is closed (1008). */
  OriginNotAllowed: 'origin-not-allowed',
  /** The same id connected again elsewhere; this older connection is closed (4001). */
  Replaced: 'replaced',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** WebSocket close codes the relay uses (RFC 6455 section 7.4, plus one private code). */
export const CloseCodes = {
  Normal: 1000,
  GoingAway: 1001,
  /** Policy violation: rate limit, join deadline, room full, bad origin, malformed traffic. */
  Policy: 1008,
  /** A frame larger than the relay's maximum payload. */
  TooBig: 1009,
  InternalError: 1011,
  /** The relay is restarting or shutting down: reconnect (and resume) shortly. */
  ServiceRestart: 1012,
  /** The relay is overloaded: try again later. */
  TryAgainLater: 1013,
  /** Private range: this session was taken over by a newer connection with the same resume token. */
  Replaced: 4001,
} as const;
