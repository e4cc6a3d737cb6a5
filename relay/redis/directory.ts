/**
 * The directory in Redis (directory.ts): every relay instance that names the same Redis shares every
 * room. docs/scaling.md has the design; in short:
 * - Membership (a room's members, each with its instance, name, join order and whether it is in its
 *   grace), an id's one room, held signals, the instances' heartbeats and the graces that run live in
 *   Redis and change only through the Lua scripts of scripts.ts, atomically.
 * - Each instance subscribes to its own channel. A signal to a peer of another instance is one script
 *   call that checks the room and publishes to that instance's channel (or holds it); a peer of this
 *   instance that is connected gets it directly, without Redis.
 * - Redis answers on one connection and notices arrive on another, so a notice can overtake the
 *   reply to a join. While a join into a room waits for its reply, the notices about that room (and
 *   about the joining id) wait too, and are applied after it, in order.
 * - While Redis is away, peers of this instance keep signaling each other; joins and signals to
 *   peers elsewhere are refused (`directory-unavailable`). When it comes back, the instance puts its
 *   sessions back (sync) and tells its peers what changed.
 * - It also counts the connections of each client address for the whole deployment, so that the
 *   per-address caps (addresses.ts) hold across instances; the join script takes each join from the
 *   address's one join bucket. While Redis is away, each instance's own counts decide.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  MAX_HELD_SIGNALS,
  peerInfo,
  peerJoinedText,
  peerLeftText,
  peerRenamedText,
  SIGNAL_PREFIX,
  signalText,
  type Directory,
  type HeldCount,
  type JoinRequest,
  type JoinResult,
  type Member,
  type Session,
  type SignalOutcome,
} from '../directory.js';
import type { SharedConnectionCounts } from '../addresses.js';
import { HeldSignals, type HeldFor, type HeldLimits } from '../held.js';
import { peerIdFor, PEER_ID_LENGTH } from '../ids.js';
import { corker } from '../transports/cork.js';
import type { Logger } from '../log.js';
import type { ReadinessCheck } from '../readiness.js';
import {
  listOf,
  SCRIPTS,
  type CheckAnswer,
  type JoinReply,
  type MemberEntry,
  type SweepReply,
  type SyncReply,
} from './scripts.js';
import type { Capability, PeerInfo } from '../../protocol/signaling.js';

/**
 * `maxHeldBytesPerPeer` and `maxHeldBytes` cap what Redis holds (for all instances together) and what
 * this instance holds in its own memory (held.ts).
 */
export interface RedisDirectoryOptions<M extends Member> extends HeldLimits {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prepended to every key and channel, so deployments can share one Redis. */
  prefix: string;
  /** Milliseconds after an instance's last heartbeat that its peers are taken as lost. */
  instanceTimeout: number;
  /** Peers a room holds, counting those within their resume grace. */
  maxPeersPerRoom: number;
  /** Milliseconds a lost session keeps its place; 0: it leaves at once. */
  resumeGrace: number;
  /** Joins one client address may make a minute, on all instances together. */
  joinsPerMinutePerIp: number;
  /** This instance's open connections by client address (addresses.ts), which a sync counts anew. */
  connectionsByAddress(): Record<string, number>;
  /** A session of ours was taken over on another instance: close its connection (`replaced`). */
  onReplaced(member: M): void;
  /** A POST for an SSE session this instance holds, forwarded by another instance: its HTTP status. */
  onForwardedPost(secret: string, body: Buffer): number | undefined;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/**
 * TCP keep-alive on the connections to Redis, so a Redis that vanished without closing them is
 * noticed (a Redis that answers slowly is waited for: a join that outlasts the join deadline is
 * handled by the server, and a command given up on might still run).
 */
const KEEP_ALIVE = 5000;
/** How long a forwarded POST waits for the instances' answers. */
const FORWARD_TIMEOUT = 2000;
/** The longest wait between two reconnection attempts. */
const MAX_RECONNECT_DELAY = 1000;

interface LocalRoom<M extends Member> {
  readonly name: string;
  /** This instance's members, by id. */
  readonly local: Map<string, RedisSession<M>>;
  /** The members on other instances that this instance's peers know of, by id. */
  readonly remote: Map<string, RemotePeer>;
}

interface RemotePeer {
  name: string;
  instance: string;
  /**
   * A sync did not find it: its instance may not have put it back yet (Redis lost its data). Until
   * then our peers keep it; past then it has left.
   */
  unconfirmedUntil?: number;
}

/**
 * `held`: what Redis (and this instance) held for it, delivered right after its welcome; and while
 * Redis is away, what arrives for it in its grace.
 */
interface RedisSession<M extends Member> extends Session<M>, HeldFor {
  /** Changed by `rename`, here and in Redis. */
  name: string;
  readonly room: LocalRoom<M>;
  /** Until its welcome is out: what arrived for it meanwhile (undefined once it is out). */
  queued: string[] | undefined;
  /** Only while Redis is away: the grace of a lost session runs here. */
  graceTimer: NodeJS.Timeout | undefined;
  /** Taken over elsewhere before its welcome went out: its connection is closed right after. */
  replaced: boolean;
}

/** What a session is called and allowed: set by its join, kept by a resume (a rename changes the name). */
type Profile = Pick<Session, 'name' | 'caps' | 'nameFixed'>;

/** Control notices between instances (`c<json>` on an instance's channel; see scripts.ts). */
type Notice =
  | { type: 'joined'; room: string; id: string; name: string; caps?: string; instance: string }
  | { type: 'left'; room: string; id: string }
  | { type: 'renamed'; room: string; id: string; name: string }
  | { type: 'replaced'; id: string; instance: string }
  | { type: 'post'; secret: string; reply: string; n: number; body: string }
  | { type: 'posted'; n: number; status: number | null };

/** Notices held back while a join into their room (or of their id) waits for its reply. */
interface Waiting {
  joins: number;
  notices: string[];
}

interface Forward {
  answers: number;
  resolve(status: number | undefined): void;
  timer: NodeJS.Timeout;
}

type Commands = Redis & {
  rtcJoin(...args: (string | number)[]): Promise<string>;
  rtcSignal(...args: (string | number)[]): Promise<SignalOutcome>;
  rtcLose(...args: (string | number)[]): Promise<number>;
  rtcLeave(...args: (string | number)[]): Promise<number>;
  rtcRename(...args: (string | number)[]): Promise<number>;
  rtcSweep(...args: (string | number)[]): Promise<SweepReply>;
  rtcSync(...args: (string | number)[]): Promise<string>;
  rtcCheck(...args: (string | number)[]): Promise<string>;
  rtcRetire(...args: (string | number)[]): Promise<number>;
  rtcAdmit(...args: (string | number)[]): Promise<number>;
  rtcRelease(...args: (string | number)[]): Promise<number>;
};

export class RedisDirectory<M extends Member> implements Directory<M>, SharedConnectionCounts {
  /** This instance's name in Redis: random, new at every start. */
  readonly instance = randomBytes(12).toString('base64url');
  readonly readinessCheck: ReadinessCheck;

  private readonly options: RedisDirectoryOptions<M>;
  private readonly commands: Commands;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly broadcastChannel: string;
  private readonly sessions = new Map<string, RedisSession<M>>();
  private readonly rooms = new Map<string, LocalRoom<M>>();
  /** What this instance holds in its own memory (see RedisSession.held). */
  private readonly heldSignals: HeldSignals;
  /** What Redis holds for all instances' peers, as of the last heartbeat. */
  private heldInRedis: HeldCount = { signals: 0, bytes: 0 };
  /** Sessions of ours within their grace (no connection). */
  private away = 0;
  /** Joins waiting for their reply, by room, and the rooms of the ids they are for. */
  private readonly waiting = new Map<string, Waiting>();
  private readonly waitingIds = new Map<string, string>();
  private readonly forwards = new Map<number, Forward>();
  private forwardCount = 0;
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping: Promise<void> | undefined;
  /** Redis's view matches ours (false until the first sync, and after Redis was away). */
  private synced = false;
  /** When the last heartbeat (sweep) went through. */
  private lastBeat = 0;
  private needsSync = true;
  /** The subscriber listens on our channels (false while it is away). */
  private subscribed = false;
  /** Ids that notices changed while a sync was under way (the sync's answer may predate them). */
  private touchedDuringSync: Set<string> | undefined;
  /** A sync is on its way to Redis, with this instance's connection counts as they were when sent. */
  private syncing = false;
  /** Syncs sent so far: a connection admitted while its question was out was counted by a later one too. */
  private syncsSent = 0;
  private closed = false;

  constructor(options: RedisDirectoryOptions<M>) {
    this.options = options;
    this.heldSignals = new HeldSignals(options);
    this.channel = `${options.prefix}to:${this.instance}`;
    this.broadcastChannel = `${options.prefix}all`;
    const clientOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      keepAlive: KEEP_ALIVE,
      // No auto-pipelining: measured, it doubled the garbage collected per signal without relaying
      // more, and a script's first call in a pipeline fails (NOSCRIPT) instead of falling back to EVAL.
      retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY),
      scripts: Object.fromEntries(Object.entries(SCRIPTS).map(([name, lua]) => [name, { lua, numberOfKeys: 0 }])),
    };
    this.commands = new Redis(options.url, clientOptions) as Commands;
    // It subscribes each time it is ready (see onSubscriberReady), not by itself.
    this.subscriber = new Redis(options.url, { ...clientOptions, autoResubscribe: false });
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', this.onRedisError);
      client.on('close', this.onRedisAway);
    }
    this.commands.on('ready', this.onRedisBack);
    this.subscriber.on('ready', this.onSubscriberReady);
    this.subscriber.on('message', this.onNotice);

    this.readinessCheck = { name: 'redis', check: () => this.problem() };
    const { instanceTimeout, resumeGrace } = options;
    const interval = Math.max(25, Math.min(1000, instanceTimeout / 4, resumeGrace > 0 ? resumeGrace / 4 : 1000));
    this.sweepTimer = setInterval(this.sweep, interval).unref();
    setImmediate(this.sweep);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get peerCount(): number {
    return this.sessions.size;
  }

  get awayCount(): number {
    return this.away;
  }

  get held(): HeldCount {
    return this.heldSignals.count;
  }

  /**
   * Signals Redis holds for the peers within their grace of every instance together, and their
   * bytes, as of this instance's last heartbeat (every instance reports the same).
   */
  get sharedHeld(): HeldCount {
    return this.heldInRedis;
  }

  // ---- joins ----------------------------------------------------------------------------------

  async join(
    member: M,
    { room: roomName, name, caps, nameFixed, resumeToken, address }: JoinRequest,
  ): Promise<JoinResult<M>> {
    if (!this.synced || !this.isConnected()) return { ok: false, reason: 'directory-unavailable' };
    const id = peerIdFor(resumeToken);
    this.startWaiting(roomName, id);
    let reply: JoinReply;
    try {
      const { instance, options } = this;
      const text = await this.commands.rtcJoin(
        options.prefix,
        instance,
        roomName,
        id,
        name,
        options.maxPeersPerRoom,
        capsText(caps),
        nameFixed ? 1 : 0,
        address ?? '',
        options.joinsPerMinutePerIp,
      );
      reply = JSON.parse(text) as JoinReply;
    } catch {
      this.stopWaiting(roomName, id);
      return { ok: false, reason: 'directory-unavailable' };
    }
    let result: JoinResult<M>;
    if (reply.outcome === 'resumed') result = this.resumed(member, roomName, id, reply);
    else if (reply.outcome === 'joined') result = this.joined(member, roomName, id, { name, caps, nameFixed }, reply);
    else result = { ok: false, reason: reply.outcome };
    this.stopWaiting(roomName, id);
    return result;
  }

  /** Redis handed us a session that was already in the room (here, or on another instance). */
  private resumed(member: M, roomName: string, id: string, reply: JoinReply): JoinResult<M> {
    const existing = this.sessions.get(id);
    const others = listOf(reply.others);
    let session: RedisSession<M>;
    let displaced: M | undefined;
    if (existing?.room.name === roomName) {
      session = existing;
      displaced = existing.member;
      // What the old connection never delivered, and what reached this instance while it was lost,
      // were sent before anything Redis held.
      if (displaced) this.heldSignals.prepend(existing, displaced.takeUndelivered());
      else this.away--;
      clearTimeout(existing.graceTimer);
      existing.graceTimer = undefined;
      existing.member = member;
    } else {
      if (existing) this.forget(existing);
      // As Redis keeps them: the name it has now, the caps and nameFixed of its first join.
      const profile = { name: reply.name ?? '', caps: capsFrom(reply.caps), nameFixed: reply.nameFixed };
      session = this.addSession(member, roomName, id, profile);
      session.room.remote.delete(id);
    }
    this.heldSignals.append(session, listOf(reply.held));
    session.queued = [];
    session.replaced = false;
    this.learn(session.room, others);
    return { ok: true, session, peers: peersOf(others), resumed: true, displaced };
  }

  /** A fresh seat (the id may have left another room for it). */
  private joined(member: M, roomName: string, id: string, profile: Profile, reply: JoinReply): JoinResult<M> {
    const existing = this.sessions.get(id);
    let displaced: M | undefined;
    if (existing) {
      displaced = existing.member;
      this.forget(existing);
      this.tellLocal(existing.room, peerLeftText(id), id);
    } else if (reply.oldRoom) {
      const oldRoom = this.rooms.get(reply.oldRoom);
      if (oldRoom) this.removeRemote(oldRoom, id);
    }
    const room = this.rooms.get(roomName);
    if (room) this.tellLocal(room, peerJoinedText(id, profile.name, profile.caps), id);
    const session = this.addSession(member, roomName, id, profile);
    session.queued = [];
    const others = listOf(reply.others);
    this.learn(session.room, others);
    return { ok: true, session, peers: peersOf(others), resumed: false, displaced };
  }

  deliverHeld(session: Session<M>): void {
    const own = session as RedisSession<M>;
    const { member, queued } = own;
    const held = this.heldSignals.take(own);
    own.queued = undefined;
    if (!member) return;
    if (own.replaced) {
      this.forget(own);
      return this.options.onReplaced(member);
    }
    for (const text of held) member.send(text);
    for (const text of queued ?? []) member.send(text);
  }

  // ---- signals --------------------------------------------------------------------------------

  signal(sender: Session<M>, to: string, data: string): SignalOutcome | Promise<SignalOutcome> {
    const text = signalText(sender.id, data);
    const target = (sender as RedisSession<M>).room.local.get(to);
    // A peer of this instance that is connected: no need for Redis (and no wait for it).
    if (target?.member && target.queued === undefined) {
      target.member.send(text);
      return 'sent';
    }
    if (!this.isConnected()) {
      // A peer of this instance in its grace while Redis is away: its grace runs here, so does this.
      if (!target || target.member) return 'directory-unavailable';
      return this.heldSignals.append(target, [text]) === 1 ? 'held' : 'held-full';
    }
    const { instance, options } = this;
    // The signals of one burst go to Redis in one write, as the relay's own writes to clients do
    // (ioredis writes each command to the socket at once: half the sender's CPU went to those writes).
    corker.cork(this.commands.stream);
    return this.commands
      .rtcSignal(
        options.prefix,
        instance,
        sender.room.name,
        sender.id,
        to,
        text,
        MAX_HELD_SIGNALS,
        options.maxHeldBytesPerPeer,
        options.maxHeldBytes,
      )
      .catch(() => 'directory-unavailable' as const);
  }

  // ---- names ----------------------------------------------------------------------------------

  rename(session: Session<M>, name: string): void {
    const own = session as RedisSession<M>;
    if (this.sessions.get(own.id) !== own) return;
    own.name = name;
    // Our peers hear it at once, as they get this peer's signals (directly). The other instances hear
    // it from the script, which goes down the connection that carries this peer's signals and
    // publishes on the channels they are delivered on: in order with them too.
    this.tellLocal(own.room, peerRenamedText(own.id, name), own.id);
    const { instance, options } = this;
    // Redis away: the sync after it returns puts the new name there and tells the others.
    this.commands.rtcRename(options.prefix, instance, own.room.name, own.id, name).catch(() => undefined);
  }

  // ---- connections per client address -----------------------------------------------------------

  /**
   * Counts a connection from `address` for the deployment, unless it holds `max` from that address
   * already (false). Undefined when Redis cannot be asked now (away, or this instance not in sync
   * with it), or did not answer: this instance's own count decides, and the next sync counts it in
   * Redis (Redis's counts are never asked while a sync could overwrite them unseen: a script that
   * runs after a sync adds to what it put there).
   */
  admitConnection(address: string, max: number): Promise<boolean | undefined> | undefined {
    if (!this.synced || !this.isConnected()) {
      // The sync on its way, if any, was sent without it: the next one counts it.
      if (this.syncing) this.needsSync = true;
      return undefined;
    }
    const { instance, options } = this;
    const syncs = this.syncsSent;
    return this.commands.rtcAdmit(options.prefix, instance, address, max).then(
      (counted) => {
        if (counted === 1) return true;
        // A sync sent after this question counted the connection among ours (it was open here
        // then): it is not.
        if (this.syncsSent !== syncs) this.releaseConnection(address);
        return false;
      },
      () => undefined,
    );
  }

  /**
   * A connection from `address` that this instance counted (in Redis, or here only, and then by the
   * sync after) has ended. Redis away: the sync after it returns counts what is open then.
   */
  releaseConnection(address: string): void {
    if (!this.isConnected()) return;
    const { instance, options } = this;
    this.commands.rtcRelease(options.prefix, instance, address).catch(() => undefined);
  }

  // ---- leaving --------------------------------------------------------------------------------

  lose(session: Session<M>): void {
    const own = session as RedisSession<M>;
    if (this.sessions.get(own.id) !== own || !own.member) return;
    // Oldest first: what was held for its welcome, what arrived before it, what its connection lost.
    const undelivered = [
      ...this.heldSignals.take(own),
      ...heldOnly(own.queued ?? []),
      ...heldOnly(own.member.takeUndelivered()),
    ];
    own.member = undefined;
    own.queued = undefined;
    this.away++;
    if (this.options.resumeGrace === 0) return this.leave(own);
    const { instance, options } = this;
    this.commands
      .rtcLose(
        options.prefix,
        instance,
        own.room.name,
        own.id,
        options.resumeGrace,
        MAX_HELD_SIGNALS,
        options.maxHeldBytesPerPeer,
        options.maxHeldBytes,
        ...undelivered,
      )
      .catch(() => {
        // It resumed or ended meanwhile: nothing to keep.
        if (this.sessions.get(own.id) !== own || own.member) return;
        // Redis is away: the grace runs here, and the sync after Redis returns tells it the outcome.
        this.heldSignals.append(own, undelivered);
        own.graceTimer = setTimeout(() => this.leave(own), options.resumeGrace).unref();
      });
  }

  leave(session: Session<M>): void {
    const own = session as RedisSession<M>;
    if (this.sessions.get(own.id) !== own) return;
    this.forget(own);
    this.tellLocal(own.room, peerLeftText(own.id), own.id);
    const { instance, options } = this;
    // Redis away: the sync after it returns removes the entry and tells the others.
    this.commands.rtcLeave(options.prefix, instance, own.room.name, own.id).catch(() => undefined);
  }

  async clear(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    for (const session of this.sessions.values()) clearTimeout(session.graceTimer);
    this.sessions.clear();
    this.rooms.clear();
    this.heldSignals.clear();
    this.away = 0;
    for (const forward of this.forwards.values()) forward.resolve(undefined);
    if (this.isConnected()) {
      const { instance, options } = this;
      await this.commands.rtcRetire(options.prefix, instance, options.resumeGrace).catch(() => undefined);
    }
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  // ---- SSE POSTs for a stream on another instance ----------------------------------------------

  /**
   * Hands a POST whose session no stream of this instance holds to the instance that holds it;
   * resolves with the status it answered, or undefined when no instance holds it.
   */
  forwardPost(secret: string, body: Buffer): Promise<number | undefined> {
    if (!this.isConnected()) return Promise.resolve(undefined);
    const n = ++this.forwardCount;
    const notice: Notice = { type: 'post', secret, reply: this.instance, n, body: body.toString('base64') };
    return new Promise((resolve) => {
      const done = (status: number | undefined) => {
        clearTimeout(forward.timer);
        this.forwards.delete(n);
        resolve(status);
      };
      const forward: Forward = {
        answers: Number.POSITIVE_INFINITY,
        resolve: done,
        timer: setTimeout(() => done(undefined), FORWARD_TIMEOUT),
      };
      this.forwards.set(n, forward);
      this.commands.publish(this.broadcastChannel, `c${JSON.stringify(notice)}`).then(
        // Every instance answers, ours too: with a status, or null when the session is not its.
        (receivers) => {
          forward.answers = Math.min(forward.answers, receivers);
          if (forward.answers <= 0) done(undefined);
        },
        () => done(undefined),
      );
    });
  }

  // ---- notices from other instances -------------------------------------------------------------

  private readonly onNotice = (_channel: string, text: string): void => {
    const about = this.waitingFor(text);
    if (about) about.notices.push(text);
    else this.apply(text);
  };

  /**
   * The waiting join a notice must wait behind, if any. A delivery to a peer of a room where a join
   * waits waits too, behind the notices about that room that came before it: a peer-joined or a
   * peer-renamed that waits must not be overtaken by the signal its sender sent after it.
   */
  private waitingFor(text: string): Waiting | undefined {
    if (this.waiting.size === 0) return undefined;
    let room: string | undefined;
    if (text.startsWith('d')) {
      const id = text.slice(1, 1 + PEER_ID_LENGTH);
      room = this.waitingIds.get(id) ?? this.sessions.get(id)?.room.name;
    } else {
      const notice = parseNotice(text);
      if (notice && (notice.type === 'joined' || notice.type === 'left' || notice.type === 'renamed')) {
        room = notice.room;
      } else if (notice?.type === 'replaced') room = this.waitingIds.get(notice.id);
    }
    return room === undefined ? undefined : this.waiting.get(room);
  }

  private apply(text: string): void {
    if (text.startsWith('d')) return this.deliver(text.slice(1, 1 + PEER_ID_LENGTH), text.slice(1 + PEER_ID_LENGTH));
    const notice = parseNotice(text);
    if (!notice) return;
    if (notice.type !== 'post' && notice.type !== 'posted') this.touchedDuringSync?.add(notice.id);
    switch (notice.type) {
      case 'joined': {
        const room = this.rooms.get(notice.room);
        if (!room || room.local.has(notice.id)) return;
        const known = room.remote.get(notice.id);
        room.remote.set(notice.id, { name: notice.name, instance: notice.instance });
        if (!known) {
          return this.tellLocal(room, peerJoinedText(notice.id, notice.name, capsFrom(notice.caps)), notice.id);
        }
        // Known already: an instance putting its peers back after Redis lost its data, under the
        // name it has now (it may have been renamed while Redis was away).
        if (known.name !== notice.name) this.tellLocal(room, peerRenamedText(notice.id, notice.name), notice.id);
        return;
      }
      case 'renamed': {
        const room = this.rooms.get(notice.room);
        const peer = room?.remote.get(notice.id);
        // Unknown here (its join's notice was lost while our subscriber was away): the sync that
        // follows tells our peers of it, under its name then.
        if (!room || !peer) return;
        peer.name = notice.name;
        return this.tellLocal(room, peerRenamedText(notice.id, notice.name), notice.id);
      }
      case 'left': {
        const room = this.rooms.get(notice.room);
        if (!room) return;
        const session = room.local.get(notice.id);
        if (session) {
          // It joined another room elsewhere, or its grace ran out (any instance's sweep).
          this.forget(session);
          if (session.member) this.options.onReplaced(session.member);
        }
        return this.removeRemote(room, notice.id);
      }
      case 'replaced':
        return this.replaced(notice.id, notice.instance);
      case 'post':
        return this.answerPost(notice);
      case 'posted':
        return this.posted(notice);
    }
  }

  private deliver(id: string, text: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (session.queued) session.queued.push(text);
    else if (session.member) session.member.send(text);
    // Lost here while this was on its way: kept for a resume on this instance, if it fits.
    else this.heldSignals.append(session, [text]);
  }

  /**
   * Our session was taken over on instance `by` ('' when unknown): it goes without a word. Our peers
   * in the room still know it; if it is in another room now, the reconcile of a sync tells them.
   */
  private replaced(id: string, by: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (session.queued && session.member) {
      session.replaced = true;
      return;
    }
    this.forget(session);
    // It lives on over there: our peers in the room still know it.
    if (session.room.local.size > 0) {
      session.room.remote.set(id, { name: session.name, instance: by });
    }
    if (session.member) this.options.onReplaced(session.member);
  }

  private answerPost(notice: Extract<Notice, { type: 'post' }>): void {
    const status = this.options.onForwardedPost(notice.secret, Buffer.from(notice.body, 'base64'));
    const answer: Notice = { type: 'posted', n: notice.n, status: status ?? null };
    this.commands
      .publish(`${this.options.prefix}to:${notice.reply}`, `c${JSON.stringify(answer)}`)
      .catch(() => undefined);
  }

  private posted(notice: Extract<Notice, { type: 'posted' }>): void {
    const forward = this.forwards.get(notice.n);
    if (!forward) return;
    if (notice.status !== null) return forward.resolve(notice.status);
    forward.answers -= 1;
    if (forward.answers <= 0) forward.resolve(undefined);
  }

  // ---- heartbeat, sweeps and sync ---------------------------------------------------------------

  private readonly sweep = (): void => {
    if (this.sweeping || this.closed || !this.isConnected()) return;
    this.sweeping = this.sweepOnce().finally(() => (this.sweeping = undefined));
  };

  private async sweepOnce(): Promise<void> {
    const { instance, options } = this;
    try {
      const [unknown, heldSignals, heldBytes] = await this.commands.rtcSweep(
        options.prefix,
        instance,
        options.instanceTimeout,
        options.resumeGrace,
      );
      this.lastBeat = performance.now();
      this.heldInRedis = { signals: heldSignals, bytes: heldBytes };
      // Redis did not know us: our first beat, or it lost its data, or took us for dead while we
      // could not reach it.
      if (unknown === 1) this.needsSync = true;
      if (this.needsSync) await this.sync();
      await this.confirmRemotes();
    } catch {
      this.needsSync = true;
    }
  }

  /**
   * Puts this instance's sessions back into Redis and reconciles what our peers know. What this
   * instance held in its memory for a lost session (while Redis was away) goes to Redis with it, so a
   * resume on any instance gets it. It leaves our memory as the sync is sent: if the sync fails, it is
   * lost rather than held twice (Redis may have run the script), as a signal to a connection that
   * dies on its way is.
   */
  private async sync(): Promise<void> {
    this.needsSync = false;
    this.syncing = true;
    const sessions = [...this.sessions.values()].map((session) => {
      const lost = session.member === undefined;
      const held = lost ? this.heldSignals.take(session) : [];
      return {
        room: session.room.name,
        id: session.id,
        name: session.name,
        caps: session.caps && capsText(session.caps),
        nameFixed: session.nameFixed,
        lost,
        held: held.length > 0 ? held : undefined,
      };
    });
    const touched = new Set<string>();
    this.touchedDuringSync = touched;
    let reply: SyncReply;
    try {
      const { instance, options } = this;
      const sent = this.commands.rtcSync(
        options.prefix,
        instance,
        options.resumeGrace,
        options.instanceTimeout,
        JSON.stringify(sessions),
        MAX_HELD_SIGNALS,
        options.maxHeldBytesPerPeer,
        options.maxHeldBytes,
        JSON.stringify(options.connectionsByAddress()),
      );
      this.syncsSent += 1;
      reply = JSON.parse(await sent) as SyncReply;
    } catch (error) {
      this.needsSync = true;
      throw error;
    } finally {
      this.touchedDuringSync = undefined;
      this.syncing = false;
    }
    for (const { id, instance } of listOf(reply.replaced)) this.replaced(id, instance);
    for (const [roomName, members] of Object.entries(reply.rooms)) {
      const room = this.rooms.get(roomName);
      if (room) this.reconcile(room, listOf(members), touched);
    }
    if (!this.synced) this.options.logger.info({ instance: this.instance }, 'sharing rooms through Redis');
    this.synced = true;
  }

  /**
   * Tells our peers in `room` of the members elsewhere they do not know of, and of the new names of
   * those they know (renamed while the notice could not reach us). Those they know that Redis does
   * not have are unconfirmed: their instance may not have synced yet (confirmRemotes).
   */
  private reconcile(room: LocalRoom<M>, members: MemberEntry[], touched: Set<string>): void {
    const elsewhere = new Map<string, MemberEntry>();
    for (const member of members) if (!room.local.has(member.id)) elsewhere.set(member.id, member);
    const deadline = Date.now() + this.options.instanceTimeout + this.options.resumeGrace;
    for (const [id, peer] of room.remote) {
      if (!elsewhere.has(id) && !touched.has(id)) peer.unconfirmedUntil = deadline;
    }
    for (const [id, member] of elsewhere) {
      if (touched.has(id)) continue;
      const known = room.remote.get(id);
      room.remote.set(id, { name: member.name, instance: member.instance });
      if (!known) this.tellLocal(room, peerJoinedText(id, member.name, capsFrom(member.caps)), id);
      else if (known.name !== member.name) this.tellLocal(room, peerRenamedText(id, member.name), id);
    }
  }

  /**
   * Members elsewhere that a sync did not find: back in the room (their instance synced: nothing to
   * say), gone (their instance synced without them: peer-left), or still unknown until their deadline.
   */
  private async confirmRemotes(): Promise<void> {
    const unconfirmed: { room: LocalRoom<M>; id: string; peer: RemotePeer }[] = [];
    for (const room of this.rooms.values()) {
      for (const [id, peer] of room.remote)
        if (peer.unconfirmedUntil !== undefined) unconfirmed.push({ room, id, peer });
    }
    if (unconfirmed.length === 0) return;
    const question = unconfirmed.map(({ room, id, peer }) => ({ room: room.name, id, instance: peer.instance }));
    const answers = JSON.parse(
      await this.commands.rtcCheck(this.options.prefix, JSON.stringify(question)),
    ) as CheckAnswer[];
    const now = Date.now();
    for (const [index, { room, id, peer }] of unconfirmed.entries()) {
      // Changed meanwhile (a notice about it arrived): what it said stands.
      if (room.remote.get(id) !== peer || peer.unconfirmedUntil === undefined) continue;
      const answer = answers[index];
      if (answer === 'present') peer.unconfirmedUntil = undefined;
      else if (answer === 'gone' || now > peer.unconfirmedUntil) this.removeRemote(room, id);
    }
  }

  private readonly onRedisAway = (): void => {
    if (this.closed) return;
    if (this.synced) {
      this.options.logger.warn(
        { instance: this.instance, redis: redactedUrl(this.options.url) },
        'Redis is unreachable: peers on other instances are out of reach',
      );
    }
    this.synced = false;
    this.needsSync = true;
    if (this.subscriber.status !== 'ready') this.subscribed = false;
  };

  private readonly onRedisBack = (): void => {
    if (this.closed) return;
    this.needsSync = true;
    this.sweep();
  };

  /** Notices published while the subscriber was away are lost: the sync that follows makes up for them. */
  private readonly onSubscriberReady = (): void => {
    this.subscriber.subscribe(this.channel, this.broadcastChannel).then(() => {
      this.subscribed = true;
      this.onRedisBack();
    }, this.onRedisError);
  };

  private readonly onRedisError = (): void => {
    // ioredis reconnects by itself; 'close' says Redis is away. Without a listener the error would throw.
  };

  /** What keeps this instance from serving through Redis, if anything (its readiness check). */
  private problem(): string | undefined {
    const where = `Redis at ${redactedUrl(this.options.url)}`;
    if (!this.synced || !this.isConnected()) return `${where} is unreachable`;
    // The others take us for dead once our heartbeat is this old.
    if (performance.now() - this.lastBeat > this.options.instanceTimeout) return `${where} does not answer`;
    return undefined;
  }

  private isConnected(): boolean {
    return this.subscribed && this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  // ---- local bookkeeping ----------------------------------------------------------------------

  private startWaiting(roomName: string, id: string): void {
    const waiting = this.waiting.get(roomName);
    if (waiting) waiting.joins += 1;
    else this.waiting.set(roomName, { joins: 1, notices: [] });
    this.waitingIds.set(id, roomName);
  }

  /** The join is decided: the notices that waited for it are applied now, in order. */
  private stopWaiting(roomName: string, id: string): void {
    if (this.waitingIds.get(id) === roomName) this.waitingIds.delete(id);
    const waiting = this.waiting.get(roomName);
    if (!waiting) return;
    waiting.joins -= 1;
    if (waiting.joins > 0) return;
    this.waiting.delete(roomName);
    for (const text of waiting.notices) this.apply(text);
  }

  private addSession(member: M, roomName: string, id: string, { name, caps, nameFixed }: Profile): RedisSession<M> {
    let room = this.rooms.get(roomName);
    if (!room) {
      room = { name: roomName, local: new Map(), remote: new Map() };
      this.rooms.set(roomName, room);
    }
    const session: RedisSession<M> = {
      id,
      name,
      caps,
      nameFixed,
      room,
      member,
      queued: undefined,
      held: undefined,
      heldBytes: 0,
      graceTimer: undefined,
      replaced: false,
    };
    room.local.set(id, session);
    this.sessions.set(id, session);
    return session;
  }

  /** Drops a session here, telling no one. */
  private forget(session: RedisSession<M>): void {
    clearTimeout(session.graceTimer);
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this.heldSignals.take(session);
      if (!session.member) this.away--;
    }
    const { room } = session;
    if (room.local.get(session.id) === session) room.local.delete(session.id);
    if (room.local.size === 0 && this.rooms.get(room.name) === room) this.rooms.delete(room.name);
  }

  /** Records the members elsewhere that a welcome names, so a later sync can tell what changed. */
  private learn(room: LocalRoom<M>, others: MemberEntry[]): void {
    for (const other of others) {
      if (other.instance !== this.instance && !room.local.has(other.id)) {
        room.remote.set(other.id, { name: other.name, instance: other.instance });
      }
    }
  }

  private removeRemote(room: LocalRoom<M>, id: string): void {
    room.remote.delete(id);
    this.tellLocal(room, peerLeftText(id), id);
  }

  /** Sends `text` to this instance's members of `room` but `except`. */
  private tellLocal(room: LocalRoom<M>, text: string, except: string): void {
    for (const session of room.local.values()) {
      if (session.id === except) continue;
      if (session.queued) session.queued.push(text);
      else session.member?.send(text);
    }
  }
}

/** Oldest first, as `welcome.peers` lists them. */
function peersOf(others: MemberEntry[]): PeerInfo[] {
  return [...others].sort((a, b) => a.since - b.since).map(({ id, name, caps }) => peerInfo(id, name, capsFrom(caps)));
}

/**
 * Capabilities travel through the scripts as the JSON text of their list, which Lua keeps as it is:
 * its cjson would turn an empty list (a token that allows nothing) into `{}` when it re-encodes an
 * entry. '' for none (no token, or a token without `caps`).
 */
function capsText(caps: Capability[] | undefined): string {
  return caps === undefined ? '' : JSON.stringify(caps);
}

function capsFrom(text: string | undefined): Capability[] | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as Capability[]);
}

/** The signals among messages a connection never delivered (only signals are held). */
function heldOnly(texts: string[]): string[] {
  return texts.filter((text) => text.startsWith(SIGNAL_PREFIX));
}

function parseNotice(text: string): Notice | undefined {
  if (!text.startsWith('c')) return undefined;
  try {
    return JSON.parse(text.slice(1)) as Notice;
  } catch {
    return undefined;
  }
}

/** The URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return 'the configured URL';
  }
}
