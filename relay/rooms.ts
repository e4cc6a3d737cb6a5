/**
 * The directory in memory (directory.ts), for one relay process: rooms and sessions, who is in which
 * room under which id and name, the resume grace of a peer whose connection was lost, and the signals
 * held for it meanwhile. It knows no transport: it sends text through the `Member` a session is
 * attached to (a WebSocket or an SSE stream, to the server).
 *
 * A room member is a Session; a connection is a Member. They are apart so that a peer whose
 * connection was lost keeps its place (and its id) for `resumeGrace`, and a new connection that
 * presents the session's resume token takes it over without the others noticing.
 */
import {
  peerInfo,
  peerJoinedText,
  peerLeftText,
  peerRenamedText,
  signalText,
  type Directory,
  type HeldCount,
  type JoinRequest,
  type JoinResult,
  type Member,
  type Session,
  type SignalOutcome,
} from './directory.js';
import { HeldSignals, type HeldFor, type HeldLimits } from './held.js';
import { peerIdFor } from './ids.js';
import type { PeerInfo } from '../protocol/signaling.js';

export interface RoomsOptions extends HeldLimits {
  /** Peers a room holds, counting those within their resume grace. */
  maxPeersPerRoom: number;
  /** Milliseconds a lost session keeps its place; 0: it leaves at once. */
  resumeGrace: number;
}

interface Room<M extends Member> {
  readonly name: string;
  /** Members by id, oldest first (Map keeps insertion order). */
  readonly peers: Map<string, MemorySession<M>>;
}

// Thousands of these stay idle for hours, so they hold only what the relay needs later: no resume
// token (a resuming client presents it, and the id is derived from it), no prebuilt strings, no
// cleared timers, no empty arrays.
export interface MemorySession<M extends Member = Member> extends Session<M>, HeldFor {
  name: string;
  readonly room: Room<M>;
  graceTimer: NodeJS.Timeout | undefined;
}

/** The rooms of one relay; `M` is what its members are (the server's connections). */
export class Rooms<M extends Member> implements Directory<M> {
  private readonly options: RoomsOptions;
  private readonly rooms = new Map<string, Room<M>>();
  private readonly sessions = new Map<string, MemorySession<M>>();
  /** Signals that arrived for sessions while their connection was lost. */
  private readonly heldSignals: HeldSignals;
  private away = 0;

  constructor(options: RoomsOptions) {
    this.options = options;
    this.heldSignals = new HeldSignals(options);
  }

  /** Rooms with at least one peer. */
  get roomCount(): number {
    return this.rooms.size;
  }

  /** Peers in all rooms, counting those within their resume grace. */
  get peerCount(): number {
    return this.sessions.size;
  }

  get awayCount(): number {
    return this.away;
  }

  get held(): HeldCount {
    return this.heldSignals.count;
  }

  join(
    member: M,
    { room: roomName, name, caps, nameFixed, resumeToken }: JoinRequest,
  ): JoinResult<M, MemorySession<M>> {
    const id = peerIdFor(resumeToken);
    const existing = this.sessions.get(id);
    if (existing?.room.name === roomName) {
      const displaced = existing.member;
      // What the old connection never delivered goes first: it was sent before anything held.
      if (displaced) this.heldSignals.prepend(existing, displaced.takeUndelivered());
      else this.away--;
      clearTimeout(existing.graceTimer);
      existing.graceTimer = undefined;
      existing.member = member;
      return { ok: true, session: existing, peers: this.othersOf(existing), resumed: true, displaced };
    }

    const room = this.rooms.get(roomName);
    if (room && room.peers.size >= this.options.maxPeersPerRoom) return { ok: false, reason: 'room-full' };
    let displaced: M | undefined;
    if (existing) {
      displaced = existing.member;
      this.leave(existing);
    }
    const target = room ?? this.createRoom(roomName);
    const session: MemorySession<M> = {
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
    this.broadcast(target, peerJoinedText(id, name, caps));
    target.peers.set(id, session);
    this.sessions.set(id, session);
    return { ok: true, session, peers: this.othersOf(session), resumed: false, displaced };
  }

  /** The others in the session's room, oldest first (for `welcome`). */
  private othersOf(session: MemorySession<M>): PeerInfo[] {
    const others: PeerInfo[] = [];
    for (const peer of session.room.peers.values()) {
      if (peer !== session) others.push(peerInfo(peer.id, peer.name, peer.caps));
    }
    return others;
  }

  deliverHeld(session: MemorySession<M>): void {
    const held = this.heldSignals.take(session);
    for (const text of held) session.member?.send(text);
  }

  signal(sender: MemorySession<M>, to: string, data: string): SignalOutcome {
    const target = sender.room.peers.get(to);
    if (!target) return 'no-such-peer';
    const text = signalText(sender.id, data);
    if (target.member) {
      target.member.send(text);
      return 'sent';
    }
    return this.heldSignals.append(target, [text]) === 1 ? 'held' : 'held-full';
  }

  rename(session: MemorySession<M>, name: string): void {
    session.name = name;
    const text = peerRenamedText(session.id, name);
    for (const peer of session.room.peers.values()) {
      if (peer !== session) peer.member?.send(text);
    }
  }

  lose(session: MemorySession<M>): void {
    if (!session.member) return;
    this.heldSignals.append(session, session.member.takeUndelivered());
    session.member = undefined;
    this.away++;
    if (this.options.resumeGrace === 0) return this.leave(session);
    session.graceTimer = setTimeout(() => this.leave(session), this.options.resumeGrace).unref();
  }

  leave(session: MemorySession<M>): void {
    clearTimeout(session.graceTimer);
    const { room, id } = session;
    if (this.sessions.get(id) !== session) return;
    if (!session.member) this.away--;
    session.member = undefined;
    this.heldSignals.take(session);
    this.sessions.delete(id);
    room.peers.delete(id);
    if (room.peers.size === 0) {
      this.rooms.delete(room.name);
      return;
    }
    this.broadcast(room, peerLeftText(id));
  }

  /** Forgets every room and session at once, telling no one (the relay is shutting down). */
  clear(): void {
    for (const session of this.sessions.values()) clearTimeout(session.graceTimer);
    this.sessions.clear();
    this.rooms.clear();
    this.heldSignals.clear();
    this.away = 0;
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
