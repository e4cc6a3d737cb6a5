/**
 * The directory: where rooms live. It decides membership (ids, names, room capacity), resume and
 * held signals, and delivers what the relay sends to a peer, knowing no transport: it sends text
 * through the `Member` a session is attached to (a WebSocket or an SSE stream, to the server).
 *
 * Two directories implement it:
 * - rooms.ts, in memory: one relay process (the default; synchronous, as fast as a Map);
 * - redis/directory.ts, in Redis: every relay instance that names the same Redis shares every room
 *   (docs/scaling.md). Its answers are asynchronous, which the server awaits (a join) or follows up
 *   (a signal's outcome).
 */
import type {
  Capability,
  PeerInfo,
  PeerJoinedMessage,
  PeerLeftMessage,
  PeerRenamedMessage,
} from '../protocol/signaling.js';

/** Where a session's messages go: its current connection. */
export interface Member {
  /** Sends one relay message (JSON text). */
  send(text: string): void;
  /**
   * Messages it accepted that surely never reached its client (an SSE stream away when they were
   * sent), handed over once as it is lost or replaced, so its signals can be held and delivered.
   */
  takeUndelivered(): string[];
}

/** A peer in a room, as the server sees it. */
export interface Session<M extends Member = Member> {
  /** From peerIdFor: base64url characters only, so it needs no escaping inside JSON. */
  readonly id: string;
  /** Set by `join`, changed through the directory's `rename` (unless its join token named it). */
  readonly name: string;
  /** What its join token allows, when the token lists it (undefined: no restriction). */
  readonly caps: Capability[] | undefined;
  /** True when its join token named it: the name stays the token's. */
  readonly nameFixed: boolean | undefined;
  readonly room: { readonly name: string };
  /** Undefined while the connection is lost and the resume grace runs. */
  member: M | undefined;
}

/**
 * A join, after the server checked it (and its token). On a resume the session keeps the name, caps
 * and nameFixed it joined with: these are for a fresh seat.
 */
export interface JoinRequest {
  room: string;
  name: string;
  /** What the peer's join token allows, told to the others (undefined: no token, or no limits). */
  caps?: Capability[];
  /** The name is the join token's: `name` messages cannot change it. */
  nameFixed?: boolean;
  resumeToken: string;
  /**
   * The client's address as the per-address limits count it (addresses.ts): a directory shared by
   * relay instances takes the join from the address's one bucket for all of them.
   */
  address?: string;
}

/** Why a join was refused. */
export type JoinRefusal =
  /** The room holds its maximum number of peers. */
  | 'room-full'
  /** A shared directory cannot be reached, so the join cannot be decided (Redis outage). */
  | 'directory-unavailable'
  /** The client's address made as many joins this minute as it may, on all relay instances together. */
  | 'too-many-joins';

/** The outcome of a join. */
export type JoinResult<M extends Member, S extends Session<M> = Session<M>> =
  | {
      ok: true;
      session: S;
      /** The others in the room, oldest first (for `welcome`). */
      peers: PeerInfo[];
      /** True when an existing session was taken over (same id; the others saw nothing). */
      resumed: boolean;
      /** A connection that held this session (or the token's session in another room) until now. */
      displaced: M | undefined;
    }
  | { ok: false; reason: JoinRefusal };

/**
 * What became of a signal: sent; held for a peer within its grace; dropped because what is held for
 * that peer, or for all, reached its cap; refused, as no peer of the room has that id; or not
 * delivered, as the shared directory cannot be reached.
 */
export type SignalOutcome = 'sent' | 'held' | 'held-full' | 'no-such-peer' | 'directory-unavailable';

/** Signals held for peers within their resume grace, and their UTF-8 bytes. */
export interface HeldCount {
  signals: number;
  bytes: number;
}

/** Signals held for a peer within its resume grace, delivered when it resumes. */
export const MAX_HELD_SIGNALS = 256;

/** How every relayed signal's text starts (the directory builds it: see `signalText()`). */
export const SIGNAL_PREFIX = '{"type":"signal",';

/** The text of a relayed signal; ids are base64url, so nothing in them needs escaping in JSON. */
export function signalText(from: string, data: string): string {
  return `${SIGNAL_PREFIX}"from":"${from}","data":${data}}`;
}

/** A peer as the others see it: `caps` only when its token set them. */
export function peerInfo(id: string, name: string, caps: Capability[] | undefined): PeerInfo {
  return caps ? { id, name, caps } : { id, name };
}

/** `caps` is left out of the text when undefined (JSON has no undefined). */
export function peerJoinedText(id: string, name: string, caps: Capability[] | undefined): string {
  const joined: PeerJoinedMessage = { type: 'peer-joined', id, name, caps };
  return JSON.stringify(joined);
}

export function peerLeftText(id: string): string {
  const left: PeerLeftMessage = { type: 'peer-left', id };
  return JSON.stringify(left);
}

export function peerRenamedText(id: string, name: string): string {
  const renamed: PeerRenamedMessage = { type: 'peer-renamed', id, name };
  return JSON.stringify(renamed);
}

/** Where rooms live; `M` is what members are (the server's connections). */
export interface Directory<M extends Member> {
  /** Rooms with at least one peer (on this relay instance). */
  readonly roomCount: number;
  /** Peers in all rooms, counting those within their resume grace (on this relay instance). */
  readonly peerCount: number;
  /**
   * Peers within their resume grace whose place this relay instance keeps (they lost their
   * connection here): each counts toward `maxConnections` until it resumes or leaves.
   */
  readonly awayCount: number;
  /** Signals held in this process's memory for peers within their grace (held.ts). */
  readonly held: HeldCount;
  /**
   * Puts `member` in a room under the id its resume token gives. A session the token already holds
   * in that room is taken over; one in another room ends (one id, one room). The others get
   * `peer-joined` unless it is a takeover.
   */
  join(member: M, request: JoinRequest): JoinResult<M> | Promise<JoinResult<M>>;
  /**
   * The session's `welcome` has been sent: what was held for it (and what arrived meanwhile) goes
   * out now, in order, once.
   */
  deliverHeld(session: Session<M>): void;
  /**
   * Delivers `data` (the JSON text of a signal's `data`, as the client wrote it) from `sender` to
   * the peer `to` of its room, with `from` set, or holds it while that peer is within its grace and
   * what is held fits under the caps (held.ts).
   */
  signal(sender: Session<M>, to: string, data: string): SignalOutcome | Promise<SignalOutcome>;
  /**
   * The session takes another display name: the others in its room get `peer-renamed`, in order with
   * the session's signals to them, and later welcomes list the new name.
   */
  rename(session: Session<M>, name: string): void;
  /** The session's connection is gone without a goodbye: keep its place for the grace period. */
  lose(session: Session<M>): void;
  /** The session ends: the others get `peer-left` (nothing, if it had ended already). */
  leave(session: Session<M>): void;
  /**
   * The relay is shutting down: forget every local session, telling no one here (their clients come
   * back, to this relay or another, and resume).
   */
  clear(): Promise<void> | void;
}
