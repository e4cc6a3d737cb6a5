/**
 * The signaling relay: assigns ids, keeps room membership, and forwards `signal` messages to one peer
 * of the same room. It never sees media. docs/protocol.md describes what goes over the wire.
 *
 * A room member is a Session; a WebSocket is a Connection. They are apart so that a peer whose
 * connection was lost keeps its place (and its id) for `resumeGrace`, and a new connection that
 * presents the session's resume token takes it over without the others noticing.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { errorHints } from './hints.js';
import { createHttpHandler } from './http.js';
import { newResumeToken, peerIdFor, RESUME_TOKEN_PATTERN } from './ids.js';
import { resolveOptions, type RelayOptions, type ResolvedOptions } from './options.js';
import {
  CloseCodes,
  ErrorCodes,
  PROTOCOL_VERSION,
  type ErrorCode,
  type ErrorMessage,
  type PeerJoinedMessage,
  type PeerLeftMessage,
  type PeerRenamedMessage,
  type WelcomeMessage,
} from '../protocol/signaling.js';

export interface RelayStats {
  /** Open WebSocket connections. */
  connections: number;
  /** Rooms with at least one peer. */
  rooms: number;
  /** Peers in all rooms, counting those within their resume grace. */
  peers: number;
}

export interface Relay {
  /** Resolves once listening (at once with `server` or `noServer`); rejects if `listen` fails. */
  readonly ready: Promise<void>;
  /** The port actually listened on (useful with `port: 0`); undefined until listening, or with `noServer`. */
  readonly port: number | undefined;
  /** Accepts one WebSocket upgrade (for `noServer`; the path is the caller's business). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  stats(): RelayStats;
  /**
   * Closes every client with `code` (default 1012, service restart: clients reconnect and resume),
   * stops the timers and, if the relay owns its server, stops listening. Idempotent.
   */
  close(code?: number): Promise<void>;
}

/** Creates a relay; with `port` it starts listening (await `relay.ready`). */
export function createRelay(options?: RelayOptions): Relay {
  return new SignalingRelay(resolveOptions(options));
}

/** A `signal.to` longer than this cannot be an id (ids are 16 characters; leave room to grow). */
const MAX_PEER_ID_LENGTH = 64;
/** A `join.token` longer than this is refused; real signed tokens are a few hundred bytes. */
const MAX_JOIN_TOKEN_LENGTH = 4096;
/** Signals held for a peer within its resume grace, delivered when it resumes. */
const MAX_HELD_SIGNALS = 256;
/** How long `close()` waits for clients to answer the closing handshake before cutting them. */
const CLOSE_HANDSHAKE_TIMEOUT = 2000;

interface Room {
  readonly name: string;
  /** Members by id, oldest first (Map keeps insertion order). */
  readonly peers: Map<string, Session>;
}

// Thousands of these stay idle for hours, so they hold only what the relay needs later: no resume
// token (a resuming client presents it, and the id is derived from it), no prebuilt strings, no
// cleared timers, no empty arrays.
interface Session {
  /** From peerIdFor: base64url characters only, so it needs no escaping inside JSON. */
  readonly id: string;
  /** Set by `join`, changed by `name`. */
  name: string;
  readonly room: Room;
  /** Undefined while the connection is lost and the resume grace runs. */
  connection: Connection | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  /** Signals that arrived for it while its connection was lost (created when the first one does). */
  held: string[] | undefined;
}

interface SocketListeners {
  pong(this: WebSocket): void;
  message(this: WebSocket, data: RawData, isBinary: boolean): void;
  close(this: WebSocket, code: number): void;
}

interface Connection {
  readonly socket: WebSocket;
  /** Cleared at each heartbeat, set by the pong; still clear at the next heartbeat means dead. */
  isAlive: boolean;
  /** Token bucket: messages this connection may still send right now. */
  tokens: number;
  refilledAt: number;
  /** Until the connection joins (then undefined again, so an idle connection holds no timer). */
  joinTimer: NodeJS.Timeout | undefined;
  session: Session | undefined;
  /** The relay is closing this connection: later frames are ignored and its peer leaves at once. */
  closing: boolean;
}

/** Close codes a client sends when it leaves for good: 1000 (a client said goodbye) and 1001
 * (the browser's own code when the page goes away, RFC 6455 section 7.4.1). */
const GOODBYE_CODES: ReadonlySet<number> = new Set([CloseCodes.Normal, CloseCodes.GoingAway]);

class SignalingRelay implements Relay {
  readonly ready: Promise<void>;

  private readonly options: ResolvedOptions;
  private readonly wss: WebSocketServer;
  private readonly server: Server | undefined;
  private readonly ownsServer: boolean;
  /** Open connections by socket: the shared socket listeners find their connection here. */
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly socketListeners: SocketListeners;
  private readonly rooms = new Map<string, Room>();
  private readonly sessions = new Map<string, Session>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly refillPerMs: number;
  /** The `hint` of each error code (hints.ts): built once, from the options. */
  private readonly hints: Record<ErrorCode, string>;
  /** Sockets corked during this event-loop turn; `uncorkAll` releases them once the turn's work is done. */
  private readonly corked = new Set<Writable>();
  private shutdown: Promise<void> | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.refillPerMs = options.messagesPerSecond / 1000;
    this.hints = errorHints(options);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload,
      perMessageDeflate: false,
    });
    this.heartbeat = setInterval(this.beat, options.heartbeatInterval).unref();
    this.socketListeners = this.createSocketListeners();

    this.ownsServer = options.port !== undefined;
    this.server = this.ownsServer
      ? createServer(createHttpHandler({ relay: this, staticDirs: options.staticDirs }))
      : options.server;
    this.server?.on('upgrade', this.onServerUpgrade);
    this.ready = this.ownsServer ? this.listen() : Promise.resolve();
  }

  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  stats(): RelayStats {
    return { connections: this.connections.size, rooms: this.rooms.size, peers: this.sessions.size };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.shutdown) return refuseUpgrade(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  close(code: number = CloseCodes.ServiceRestart): Promise<void> {
    if (!isSendableCloseCode(code)) {
      return Promise.reject(new TypeError(`close code must be 1000, 1001, 1008-1014 or 3000-4999, got ${code}`));
    }
    this.shutdown ??= this.closeAll(code);
    return this.shutdown;
  }

  // ---- connections ----------------------------------------------------------------------------

  private listen(): Promise<void> {
    const server = this.server as Server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private readonly onServerUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathnameOf(req) === this.options.path) return this.handleUpgrade(req, socket, head);
    // Someone else on a shared server may handle this path; when nobody does, say so.
    if (this.server?.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
  };

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const connection: Connection = {
      socket,
      isAlive: true,
      tokens: this.options.messageBurst,
      refilledAt: performance.now(),
      joinTimer: undefined,
      session: undefined,
      closing: false,
    };
    // ws closes the connection after a socket or protocol error (a 1009 for an oversized frame, for
    // instance); a client's fault is not worth a log line, and an unhandled 'error' would be fatal.
    socket.on('error', ignore);

    if (this.shutdown) {
      // The upgrade finished while close() was running: this one was not in its list.
      socket.close(CloseCodes.ServiceRestart, 'relay restarting');
      return;
    }
    const refusal = this.refusalFor(req);
    if (refusal) return this.kick(connection, refusal.code, refusal.message, refusal.closeCode);

    this.connections.set(socket, connection);
    const { pong, message, close } = this.socketListeners;
    socket.on('pong', pong);
    socket.on('message', message);
    socket.on('close', close);
    connection.joinTimer = setTimeout(() => {
      this.kick(connection, ErrorCodes.JoinTimeout, `no join within ${this.options.joinTimeout} ms`, CloseCodes.Policy);
    }, this.options.joinTimeout).unref();
  }

  /**
   * One set of listeners for every socket; ws calls them with the socket as `this`. Three closures
   * per connection cost more memory than a Map lookup per event, and idle connections are most of
   * what the relay holds.
   */
  private createSocketListeners(): SocketListeners {
    const { connections } = this;
    // ws calls these with the socket as `this`, so the relay is reached through a name of its own.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const relay = this;
    return {
      pong(this: WebSocket) {
        const connection = connections.get(this);
        if (connection) connection.isAlive = true;
      },
      message(this: WebSocket, data: RawData, isBinary: boolean) {
        const connection = connections.get(this);
        if (connection) relay.onMessage(connection, data, isBinary);
      },
      close(this: WebSocket, code: number) {
        const connection = connections.get(this);
        if (connection) relay.onClose(connection, code);
      },
    };
  }

  private refusalFor(req: IncomingMessage): { code: ErrorCode; message: string; closeCode: number } | undefined {
    const { allowedOrigins, maxConnections } = this.options;
    const origin = req.headers.origin;
    if (allowedOrigins && (origin === undefined || !allowedOrigins.has(origin))) {
      return {
        code: ErrorCodes.OriginNotAllowed,
        message: `origin ${origin ?? '(none)'} is not allowed`,
        closeCode: CloseCodes.Policy,
      };
    }
    if (this.connections.size >= maxConnections) {
      return {
        code: ErrorCodes.ServerFull,
        message: 'the relay is full, try again later',
        closeCode: CloseCodes.TryAgainLater,
      };
    }
    return undefined;
  }

  private onClose(connection: Connection, code: number): void {
    this.connections.delete(connection.socket);
    clearTimeout(connection.joinTimer);
    const session = connection.session;
    if (!session || this.shutdown) return;
    connection.session = undefined;
    if (connection.closing || GOODBYE_CODES.has(code)) this.leave(session);
    else this.lose(session);
  }

  /** Pings every connection; one that did not answer the previous ping is cut (and counts as lost). */
  private readonly beat = (): void => {
    for (const connection of this.connections.values()) {
      if (!connection.isAlive) {
        connection.socket.terminate();
        continue;
      }
      connection.isAlive = false;
      connection.socket.ping();
    }
  };

  // ---- inbound frames -------------------------------------------------------------------------

  private onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (connection.closing) return;
    if (!this.takeToken(connection)) {
      return this.kick(connection, ErrorCodes.RateLimited, 'too many messages', CloseCodes.Policy);
    }
    if (isBinary)
      return this.sendError(connection, ErrorCodes.BadMessage, 'binary frames are not part of the protocol');

    let message: unknown;
    try {
      // With the default binaryType, a text frame arrives as one Buffer.
      message = JSON.parse((data as Buffer).toString());
    } catch {
      return this.sendError(connection, ErrorCodes.BadMessage, 'a frame must hold one JSON message');
    }
    if (!isRecord(message)) return this.sendError(connection, ErrorCodes.BadMessage, 'a message must be a JSON object');

    try {
      this.dispatch(connection, message);
    } catch (error) {
      // A bug of ours, not the client's: say so and drop this connection, never the process.
      this.options.logger.error('rtc-relay: internal error while handling a message:', error);
      connection.closing = true;
      connection.socket.close(CloseCodes.InternalError, 'internal error');
    }
  }

  private dispatch(connection: Connection, message: Record<string, unknown>): void {
    switch (message.type) {
      case 'signal':
        return this.onSignal(connection, message);
      case 'join':
        return this.onJoin(connection, message);
      case 'name':
        return this.onName(connection, message);
      default:
        if (typeof message.type !== 'string')
          return this.sendError(connection, ErrorCodes.BadMessage, 'type must be a string');
        return this.sendError(
          connection,
          ErrorCodes.UnknownType,
          `unknown message type ${JSON.stringify(message.type.slice(0, 32))}`,
        );
    }
  }

  private takeToken(connection: Connection): boolean {
    const now = performance.now();
    connection.tokens = Math.min(
      this.options.messageBurst,
      connection.tokens + (now - connection.refilledAt) * this.refillPerMs,
    );
    connection.refilledAt = now;
    if (connection.tokens < 1) return false;
    connection.tokens -= 1;
    return true;
  }

  private onSignal(connection: Connection, message: Record<string, unknown>): void {
    const sender = connection.session;
    if (!sender) return this.sendError(connection, ErrorCodes.NotJoined, 'join a room before sending signals');
    const { to, data } = message;
    if (typeof to !== 'string' || to.length > MAX_PEER_ID_LENGTH) {
      return this.sendError(connection, ErrorCodes.BadMessage, 'signal.to must be a peer id');
    }
    if (data === undefined) return this.sendError(connection, ErrorCodes.BadMessage, 'signal.data is required');

    const target = sender.room.peers.get(to);
    if (!target) return this.sendError(connection, ErrorCodes.NoSuchPeer, 'no such peer in this room', to);

    // The relay sets `from` (the client's own `from`, if any, was parsed and dropped).
    const text = `{"type":"signal","from":"${sender.id}","data":${JSON.stringify(data)}}`;
    if (target.connection) this.send(target.connection, text);
    else if (!target.held) target.held = [text];
    else if (target.held.length < MAX_HELD_SIGNALS) target.held.push(text);
  }

  private onJoin(connection: Connection, message: Record<string, unknown>): void {
    if (connection.session)
      return this.sendError(connection, ErrorCodes.AlreadyJoined, 'this connection already joined a room');
    const problem = this.joinProblem(message);
    if (problem) return this.sendError(connection, ErrorCodes.BadMessage, problem);
    const { room: roomName, name = '', resume } = message as { room: string; name?: string; resume?: string };
    if (!this.options.roomPattern.test(roomName)) {
      return this.kick(connection, ErrorCodes.BadRoom, 'the room name breaks the room-name rules', CloseCodes.Policy);
    }

    const resumeToken = resume ?? newResumeToken();
    const id = peerIdFor(resumeToken);
    const held = this.sessions.get(id);
    if (held?.room.name === roomName) return this.takeOver(held, connection, resumeToken);

    const room = this.rooms.get(roomName);
    if (room && room.peers.size >= this.options.maxPeersPerRoom) {
      return this.kick(connection, ErrorCodes.RoomFull, `room ${roomName} is full`, CloseCodes.Policy);
    }
    // The same token used for another room: that earlier session ends (one id, one room).
    if (held) this.replace(held);
    this.enter(connection, room ?? this.createRoom(roomName), id, resumeToken, name);
  }

  /** A member changes the name the others see: validated as `join.name`, then told to the others. */
  private onName(connection: Connection, message: Record<string, unknown>): void {
    const session = connection.session;
    if (!session) return this.sendError(connection, ErrorCodes.NotJoined, 'join a room before naming yourself');
    const { name } = message;
    if (typeof name !== 'string' || name.length > this.options.maxNameLength) {
      return this.sendError(
        connection,
        ErrorCodes.BadMessage,
        `name.name must be a string of at most ${this.options.maxNameLength} characters`,
      );
    }
    session.name = name;
    const renamed: PeerRenamedMessage = { type: 'peer-renamed', id: session.id, name };
    const text = JSON.stringify(renamed);
    for (const peer of session.room.peers.values()) {
      if (peer !== session && peer.connection) this.send(peer.connection, text);
    }
  }

  /** Why a join message is malformed (room name rules are checked apart: they close the connection). */
  private joinProblem({ room, name, token, resume }: Record<string, unknown>): string | undefined {
    if (typeof room !== 'string') return 'join.room must be a string';
    if (name !== undefined && (typeof name !== 'string' || name.length > this.options.maxNameLength)) {
      return `join.name must be a string of at most ${this.options.maxNameLength} characters`;
    }
    if (token !== undefined && (typeof token !== 'string' || token.length > MAX_JOIN_TOKEN_LENGTH)) {
      return `join.token must be a string of at most ${MAX_JOIN_TOKEN_LENGTH} characters`;
    }
    if (resume !== undefined && (typeof resume !== 'string' || !RESUME_TOKEN_PATTERN.test(resume))) {
      return 'join.resume must be a resume token from an earlier welcome';
    }
    return undefined;
  }

  // ---- membership -----------------------------------------------------------------------------

  private createRoom(name: string): Room {
    const room: Room = { name, peers: new Map() };
    this.rooms.set(name, room);
    return room;
  }

  private enter(connection: Connection, room: Room, id: string, resumeToken: string, name: string): void {
    const session: Session = { id, name, room, connection, graceTimer: undefined, held: undefined };
    const joined: PeerJoinedMessage = { type: 'peer-joined', id, name };
    this.broadcast(room, JSON.stringify(joined));
    room.peers.set(id, session);
    this.sessions.set(id, session);
    this.attach(connection, session, resumeToken, false);
  }

  /** A new connection carries on an existing session: the others see nothing. */
  private takeOver(session: Session, connection: Connection, resumeToken: string): void {
    const previous = session.connection;
    if (previous) {
      // Half-open: the old socket looks alive to us but its client has already reconnected.
      previous.session = undefined;
      this.kick(previous, ErrorCodes.Replaced, 'this session was resumed by a newer connection', CloseCodes.Replaced);
    }
    clearTimeout(session.graceTimer);
    session.graceTimer = undefined;
    this.attach(connection, session, resumeToken, true);
    const { held } = session;
    session.held = undefined;
    for (const text of held ?? []) this.send(connection, text);
  }

  private attach(connection: Connection, session: Session, resumeToken: string, resumed: boolean): void {
    clearTimeout(connection.joinTimer);
    connection.joinTimer = undefined;
    connection.session = session;
    session.connection = connection;
    const welcome: WelcomeMessage = {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      id: session.id,
      room: session.room.name,
      peers: [...session.room.peers.values()].filter((peer) => peer !== session).map(({ id, name }) => ({ id, name })),
      iceServers: this.options.iceServers,
      resume: resumeToken,
      resumed,
    };
    this.send(connection, JSON.stringify(welcome));
  }

  /** The session's connection is gone without a goodbye: keep its place for the grace period. */
  private lose(session: Session): void {
    session.connection = undefined;
    if (this.options.resumeGrace === 0) return this.leave(session);
    session.graceTimer = setTimeout(() => this.leave(session), this.options.resumeGrace).unref();
  }

  /** Ends a session whose token now joins another room; a connection still open gets `replaced`. */
  private replace(session: Session): void {
    const previous = session.connection;
    if (previous) {
      previous.session = undefined;
      this.kick(previous, ErrorCodes.Replaced, 'this session was resumed by a newer connection', CloseCodes.Replaced);
    }
    this.leave(session);
  }

  private leave(session: Session): void {
    clearTimeout(session.graceTimer);
    const { room, id } = session;
    if (this.sessions.get(id) !== session) return;
    this.sessions.delete(id);
    room.peers.delete(id);
    if (room.peers.size === 0) {
      this.rooms.delete(room.name);
      return;
    }
    const left: PeerLeftMessage = { type: 'peer-left', id };
    this.broadcast(room, JSON.stringify(left));
  }

  // ---- outbound -------------------------------------------------------------------------------

  private broadcast(room: Room, text: string): void {
    for (const peer of room.peers.values()) {
      if (peer.connection) this.send(peer.connection, text);
    }
  }

  private send(connection: Connection, text: string): void {
    const { socket } = connection;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.options.maxBufferedAmount) {
      // A reader this slow would hold our memory hostage; cut it, and let it resume if it comes back.
      this.options.logger.warn('rtc-relay: cutting a connection that does not read its messages');
      socket.terminate();
      return;
    }
    const raw = rawSocketOf(socket);
    if (raw && !this.corked.has(raw)) {
      // Hold this recipient's writes until the current burst of inbound frames has been handled, so
      // that N signals to one peer leave in one writev instead of N syscalls (the syscall was half of
      // the relay's CPU per message). Order is kept: it is the same stream buffer, only flushed later.
      // bufferedAmount still counts corked bytes, so the slow-reader check above sees them.
      raw.cork();
      if (this.corked.size === 0) process.nextTick(this.uncorkAll);
      this.corked.add(raw);
    }
    socket.send(text);
  }

  private readonly uncorkAll = (): void => {
    // uncork() on a socket destroyed meanwhile is a no-op; end() (ws's close) uncorks by itself.
    for (const raw of this.corked) raw.uncork();
    this.corked.clear();
  };

  private sendError(connection: Connection, code: ErrorCode, message: string, to?: string): void {
    // JSON leaves `to` out when it is undefined.
    const error: ErrorMessage = { type: 'error', code, message, hint: this.hints[code], to };
    this.send(connection, JSON.stringify(error));
  }

  /** Tells the client why, then closes its connection; a peer it held leaves the room at once. */
  private kick(connection: Connection, code: ErrorCode, message: string, closeCode: number): void {
    if (connection.closing) return;
    this.sendError(connection, code, message);
    connection.closing = true;
    clearTimeout(connection.joinTimer);
    connection.socket.close(closeCode, code);
  }

  // ---- shutdown -------------------------------------------------------------------------------

  private async closeAll(code: number): Promise<void> {
    clearInterval(this.heartbeat);
    for (const session of this.sessions.values()) clearTimeout(session.graceTimer);
    this.sessions.clear();
    this.rooms.clear();
    await Promise.all([...this.connections.values()].map((connection) => closeConnection(connection, code)));
    this.server?.off('upgrade', this.onServerUpgrade);
    if (this.ownsServer) await this.stopListening();
  }

  private async stopListening(): Promise<void> {
    const server = this.server as Server;
    await this.ready.catch(() => undefined);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/**
 * The transport under a ws WebSocket, to cork it. ws has no public cork, but `_socket` has been the
 * underlying Duplex on every ws 8 release (its Sender corks it the same way around each frame);
 * tests/relay/cork.test.ts pins that. If a future ws drops it, the relay still works, one write per
 * message as before.
 */
function rawSocketOf(socket: WebSocket): Writable | undefined {
  const raw = (socket as unknown as { _socket?: Partial<Writable> })._socket;
  return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? (raw as Writable) : undefined;
}

function closeConnection(connection: Connection, code: number): Promise<void> {
  clearTimeout(connection.joinTimer);
  const { socket } = connection;
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const cut = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_TIMEOUT);
    socket.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    socket.close(code, code === CloseCodes.ServiceRestart ? 'relay restarting' : '');
  });
}

/** RFC 6455 section 7.4: codes an endpoint may send (1004-1006 and 1015 are reserved). */
function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    (code === 1000 || code === 1001 || (code >= 1008 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function pathnameOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ignore(): void {}
