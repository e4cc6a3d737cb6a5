/**
 * Rooms and sessions: who is in which room under which id and name, the resume grace of a peer whose
 * connection was lost, and the signals held for it meanwhile. It knows no transport: it sends text
 * through the `Member` a session is attached to (a WebSocket or an SSE stream, to the server).
 *
 * A room member is a Session; a connection is a Member. They are apart so that a peer whose
 * connection was lost keeps its place (and its id) for `resumeGrace`, and a new connection that
 * presents the session's resume token takes it over without the others noticing.
 *
 * This is the one place that decides membership, so a directory shared between relay instances
 * (Redis) replaces this module's maps, not the transports or the server.
 */
import { peerIdFor } from './ids.js';
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

export interface RoomsOptions {
  /** Peers a room holds, counting those within their resume grace. */
  maxPeersPerRoom: number;
  /** Milliseconds a lost session keeps its place; 0: it leaves at once. */
  resumeGrace: number;
  /** Bytes of signals held for one peer within its resume grace. */
  maxHeldBytesPerPeer: number;
  /** Bytes of signals held for all peers together. */
  maxHeldBytes: number;
}

/** Signals held for a peer within its resume grace, delivered when it resumes. */
export const MAX_HELD_SIGNALS = 256;

/** How every relayed signal's text starts (the relay builds it: see `signal()`). */
const SIGNAL_PREFIX = '{"type":"signal",';

interface Room<M extends Member> {
  readonly name: string;
  /** Members by id, oldest first (Map keeps insertion order). */
  readonly peers: Map<string, Session<M>>;
}

// Thousands of these stay idle for hours, so they hold only what the relay needs later: no resume
// token (a resuming client presents it, and the id is derived from it), no prebuilt strings, no
// cleared timers, no empty arrays.
export interface Session<M extends Member = Member> {
  /** From peerIdFor: base64url characters only, so it needs no escaping inside JSON. */
  readonly id: string;
  /** Set by `join`, changed by `name` (unless its join token named it). */
  name: string;
  /** What its join token allows, when the token lists it (undefined: no restriction). */
  readonly caps: Capability[] | undefined;
  /** True when its join token named it: the name stays the token's. */
  readonly nameFixed: boolean | undefined;
  readonly room: Room<M>;
  /** Undefined while the connection is lost and the resume grace runs. */
  member: M | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  /** Signals that arrived for it while its connection was lost (created when the first one does). */
  held: string[] | undefined;
  /** The UTF-8 bytes of `held`. */
  heldBytes: number;
}

export interface JoinRequest {
  room: string;
  name: string;
  /** What the peer's join token allows, told to the others (undefined: no token, or no limits). */
  caps?: Capability[];
  /** The name is the join token's: `name` messages cannot change it. */
  nameFixed?: boolean;
  resumeToken: string;
}

/** The outcome of a join. */
export type JoinResult<M extends Member> =
  | {
      ok: true;
      session: Session<M>;
      /** True when an existing session was taken over (same id; the others saw nothing). */
      resumed: boolean;
      /** A connection that held this session (or the token's session in another room) until now. */
      displaced: M | undefined;
    }
  | { ok: false; reason: 'room-full' };

/**
 * What became of a signal: sent; held for a peer within its grace; dropped because the signals
 * held for that peer, or for all, reached their cap; or refused, as no peer of the room has that id.
 */
export type SignalOutcome = 'sent' | 'held' | 'held-full' | 'no-such-peer';

/** The rooms of one relay; `M` is what its members are (the server's connections). */
export class Rooms<M extends Member> {
  private readonly options: RoomsOptions;
  private readonly rooms = new Map<string, Room<M>>();
  private readonly sessions = new Map<string, Session<M>>();
  private away = 0;
  private heldSignals = 0;
  private heldBytes = 0;

  constructor(options: RoomsOptions) {
    this.options = options;
  }

  /** Rooms with at least one peer. */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** Peers in all rooms, counting those within their resume grace. */
  get peerCount(): number {
    return this.sessions.size;
  }

  /** Peers within their resume grace: no connection, and still a place in a room. */
  get awayCount(): number {
    return this.away;
  }

  /** Signals held for peers within their grace, and their UTF-8 bytes. */
  get held(): { signals: number; bytes: number } {
    return { signals: this.heldSignals, bytes: this.heldBytes };
  }

  /**
   * Puts `member` in a room under the id its resume token gives. A session the token already holds
   * in that room is taken over; one in another room ends (one id, one room). The others get
   * `peer-joined` unless it is a takeover.
   */
  join(member: M, { room: roomName, name, caps, nameFixed, resumeToken }: JoinRequest): JoinResult<M> {
    const id = peerIdFor(resumeToken);
    const existing = this.sessions.get(id);
    if (existing?.room.name === roomName) {
      const displaced = existing.member;
      // What the old connection never delivered goes first: it was sent before anything held.
      if (displaced) this.hold(existing, displaced.takeUndelivered(), true);
      else this.away--;
      clearTimeout(existing.graceTimer);
      existing.graceTimer = undefined;
      existing.member = member;
      return { ok: true, session: existing, resumed: true, displaced };
    }

    const room = this.rooms.get(roomName);
    if (room && room.peers.size >= this.options.maxPeersPerRoom) return { ok: false, reason: 'room-full' };
    let displaced: M | undefined;
    if (existing) {
      displaced = existing.member;
      this.leave(existing);
    }
    const target = room ?? this.createRoom(roomName);
    const session: Session<M> = {
      id,
      name,
      caps,
      nameFixed,
      room: target,
      member,
      graceTimer: undefined,
      held: undefined,
      heldBytes: 0,
    };
    const joined: PeerJoinedMessage = { type: 'peer-joined', id, name, caps };
    this.broadcast(target, JSON.stringify(joined));
    target.peers.set(id, session);
    this.sessions.set(id, session);
    return { ok: true, session, resumed: false, displaced };
  }

  /** The others in the session's room, oldest first (for `welcome`). */
  othersOf(session: Session<M>): PeerInfo[] {
    const others: PeerInfo[] = [];
    for (const peer of session.room.peers.values()) {
      if (peer !== session) others.push(peerInfoOf(peer));
    }
    return others;
  }

  /** Sends what was held for a resumed session, in order, once. */
  deliverHeld(session: Session<M>): void {
    const { held, member } = session;
    this.dropHeld(session);
    if (!held || !member) return;
    for (const text of held) member.send(text);
  }

  /**
   * Delivers `data` (the JSON text of a signal's `data`) from `sender` to the peer `to` of its room,
   * with `from` set, or holds it while that peer is within its grace.
   */
  signal(sender: Session<M>, to: string, data: string): SignalOutcome {
    const target = sender.room.peers.get(to);
    if (!target) return 'no-such-peer';
    // Ids are base64url: nothing in them needs escaping inside JSON.
    const text = `${SIGNAL_PREFIX}"from":"${sender.id}","data":${data}}`;
    if (target.member) {
      target.member.send(text);
      return 'sent';
    }
    return this.hold(target, [text], false) === 1 ? 'held' : 'held-full';
  }

  /** The session takes another display name: the others in its room get `peer-renamed`. */
  rename(session: Session<M>, name: string): void {
    session.name = name;
    const renamed: PeerRenamedMessage = { type: 'peer-renamed', id: session.id, name };
    const text = JSON.stringify(renamed);
    for (const peer of session.room.peers.values()) {
      if (peer !== session) peer.member?.send(text);
    }
  }

  /** The session's connection is gone without a goodbye: keep its place for the grace period. */
  lose(session: Session<M>): void {
    if (!session.member) return;
    this.hold(session, session.member.takeUndelivered(), false);
    session.member = undefined;
    this.away++;
    if (this.options.resumeGrace === 0) return this.leave(session);
    session.graceTimer = setTimeout(() => this.leave(session), this.options.resumeGrace).unref();
  }

  /** The session ends: the others get `peer-left` (nothing, if it had ended already). */
  leave(session: Session<M>): void {
    clearTimeout(session.graceTimer);
    const { room, id } = session;
    if (this.sessions.get(id) !== session) return;
    if (!session.member) this.away--;
    session.member = undefined;
    this.dropHeld(session);
    this.sessions.delete(id);
    room.peers.delete(id);
    if (room.peers.size === 0) {
      this.rooms.delete(room.name);
      return;
    }
    const left: PeerLeftMessage = { type: 'peer-left', id };
    this.broadcast(room, JSON.stringify(left));
  }

  /** Forgets every room and session at once, telling no one (the relay is shutting down). */
  clear(): void {
    for (const session of this.sessions.values()) clearTimeout(session.graceTimer);
    this.sessions.clear();
    this.rooms.clear();
    this.away = 0;
    this.heldSignals = 0;
    this.heldBytes = 0;
  }

  /**
   * Keeps the signals among `texts` for the session's return (`first`: before those held already),
   * in order, until one does not fit under the caps; returns how many were kept.
   */
  private hold(session: Session<M>, texts: string[], first: boolean): number {
    const kept: string[] = [];
    for (const text of texts) {
      if (!text.startsWith(SIGNAL_PREFIX)) continue;
      const bytes = Buffer.byteLength(text);
      if (!this.hasRoomFor(session, kept.length, bytes)) break;
      kept.push(text);
      session.heldBytes += bytes;
      this.heldBytes += bytes;
    }
    if (kept.length === 0) return 0;
    this.heldSignals += kept.length;
    const held = session.held ?? [];
    session.held = first ? [...kept, ...held] : [...held, ...kept];
    return kept.length;
  }

  /** Whether one more signal of `bytes` fits, with `adding` already on their way into the session's list. */
  private hasRoomFor(session: Session<M>, adding: number, bytes: number): boolean {
    const { maxHeldBytesPerPeer, maxHeldBytes } = this.options;
    return (
      (session.held?.length ?? 0) + adding < MAX_HELD_SIGNALS &&
      session.heldBytes + bytes <= maxHeldBytesPerPeer &&
      this.heldBytes + bytes <= maxHeldBytes
    );
  }

  /** Forgets the signals held for the session (delivered, or it left). */
  private dropHeld(session: Session<M>): void {
    this.heldSignals -= session.held?.length ?? 0;
    this.heldBytes -= session.heldBytes;
    session.held = undefined;
    session.heldBytes = 0;
  }

  private createRoom(name: string): Room<M> {
    const room: Room<M> = { name, peers: new Map() };
    this.rooms.set(name, room);
    return room;
  }

  private broadcast(room: Room<M>, text: string): void {
    for (const peer of room.peers.values()) peer.member?.send(text);
  }
}

/** A session as the others see it: `caps` only when its token set them. */
function peerInfoOf({ id, name, caps }: Session): PeerInfo {
  return caps ? { id, name, caps } : { id, name };
}
