/**
 * The signaling relay: assigns ids, keeps room membership, and forwards `signal` messages to one peer
 * of the same room. It never sees media. docs/protocol.md describes what goes over the wire.
 *
 * This file wires the parts together and does what is the same for every transport:
 * - transports/ carry messages (WebSocket; SSE + POST), each behind the small Connection interface;
 * - the directory (directory.ts) keeps sessions, membership, names, resume and held signals, knowing
 *   no transport: in this process's memory (rooms.ts), or shared by relay instances through Redis
 *   (redis/directory.ts);
 * - tokens.ts checks join tokens, turn.ts makes TURN credentials;
 * - here: admission (origins, the connection cap, the join deadline, the join token), the message
 *   rate, parsing and validating every message, the heartbeat, and shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AddressLimits, type Admission } from './addresses.js';
import { errorHints } from './hints.js';
import { createHttpHandler } from './http.js';
import { newResumeToken, RESUME_TOKEN_PATTERN } from './ids.js';
import type { Directory, JoinRefusal, JoinResult, Session, SignalOutcome } from './directory.js';
import { RelayMetrics } from './metrics.js';
import { resolveOptions, type RelayOptions, type ResolvedOptions } from './options.js';
import { rawMemberText } from './raw-member.js';
import { Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
import { RedisDirectory } from './redis/directory.js';
import { Rooms } from './rooms.js';
import type { RelayStats } from './stats.js';
import { createTokenChecker, type Grant, type TokenChecker } from './tokens.js';
import { createTurnCredentials, type TurnCredentials } from './turn.js';
import {
  Endings,
  noTraffic,
  type Connection,
  type ConnectionHandler,
  type Ending,
  type Waiting,
} from './transports/connection.js';
import { SseTransport } from './transports/sse.js';
import { WebSocketTransport } from './transports/websocket.js';
import {
  CloseCodes,
  ERROR_MEANINGS,
  ErrorCodes,
  PROTOCOL_VERSION,
  type ErrorCode,
  type ErrorMessage,
  type IceServer,
  type IceServersMessage,
  type WelcomeMessage,
} from '../protocol/signaling.js';

export type { RelayStats } from './stats.js';
export type { ReadinessCheck, ReadinessReport } from './readiness.js';

export interface Relay {
  /** Resolves once listening (at once with `server` or `noServer`); rejects if `listen` fails. */
  readonly ready: Promise<void>;
  /** The port actually listened on (useful with `port: 0`); undefined until listening, or with `noServer`. */
  readonly port: number | undefined;
  /** Accepts one WebSocket upgrade (for `noServer`; the path is the caller's business). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Handles one HTTP request to the signaling URL: the SSE stream, its POSTs, and CORS preflights
   * (for `noServer`; the path is the caller's business).
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  stats(): RelayStats;
  /**
   * Whether this instance should get new clients now (`/readyz`): every readiness check, by name.
   * The relay's own are `accepting` (not draining or shutting down) and, with `redis`, `redis`.
   */
  readiness(): ReadinessReport;
  /**
   * Adds a condition for readiness (replacing one of the same name): `check()` answers at once,
   * `undefined` when fine or what is wrong, from state its part keeps up to date.
   */
  addReadinessCheck(check: ReadinessCheck): void;
  /**
   * The relay's metrics (`/metrics` when the `metrics` option is on): `relay.metrics.registry` is
   * their prom-client registry, for a host that serves or merges them itself.
   */
  readonly metrics: RelayMetrics;
  /**
   * Drains the relay for a restart: at once `/readyz` says 503 and new connections are refused
   * (503), while the clients it has go on; after `drainWindow` ms every client is closed with 1012
   * (come back, and resume) as `close()` does. Resolves when closed. Idempotent.
   */
  drain(): Promise<void>;
  /**
   * Closes every client with `code` (default 1012, service restart: clients reconnect and resume),
   * stops the timers and, if the relay owns its server, stops listening. Idempotent; cuts a drain
   * short.
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
/** At most this many milliseconds pass between Node's checks for requests past `requestTimeout`. */
const REQUEST_TIMEOUT_CHECK = 1000;

class SignalingRelay implements Relay, ConnectionHandler {
  readonly ready: Promise<void>;
  readonly metrics: RelayMetrics;

  private readonly options: ResolvedOptions;
  private readonly directory: Directory<Connection>;
  private readonly readinessChecks = new Readiness();
  private readonly addresses: AddressLimits;
  private readonly websocket: WebSocketTransport;
  private readonly sse: SseTransport;
  private readonly server: Server | undefined;
  private readonly ownsServer: boolean;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly refillPerMs: number;
  /** The `hint` of each error code (hints.ts): built once, from the options. */
  private readonly hints: Record<ErrorCode, string>;
  /** Checks join tokens; undefined when the relay admits joins without one. */
  private readonly tokens: TokenChecker | undefined;
  /** Makes each peer's TURN credentials; undefined without a TURN secret. */
  private readonly turn: TurnCredentials | undefined;
  /** The host server's own request listeners, which get every request not to `path` (`server` mode). */
  private hostListeners: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];
  private shutdown: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  /** Ends the drain window early (close() was called meanwhile). */
  private endDrain: (() => void) | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.refillPerMs = options.messagesPerSecond / 1000;
    this.hints = errorHints(options);
    this.tokens = createTokenChecker(options);
    this.turn = createTurnCredentials(options);
    this.directory = this.createDirectory();
    this.readinessChecks.add({ name: 'accepting', check: () => this.notAccepting() });
    if (this.directory instanceof RedisDirectory) this.readinessChecks.add(this.directory.readinessCheck);
    // With Redis, the per-address caps hold for every instance together.
    this.addresses = new AddressLimits(options, this.directory instanceof RedisDirectory ? this.directory : undefined);
    const context = {
      handler: this,
      maxBufferedAmount: options.maxBufferedAmount,
      log: options.logger,
      maxPayload: options.maxPayload,
    };
    this.websocket = new WebSocketTransport({ ...context, traffic: noTraffic() });
    this.sse = new SseTransport({
      ...context,
      traffic: noTraffic(),
      forward: this.directory instanceof RedisDirectory ? this.directory.forwardPost.bind(this.directory) : undefined,
    });
    this.heartbeat = setInterval(this.beat, options.heartbeatInterval).unref();
    const { directory } = this;
    this.metrics = new RelayMetrics(
      {
        stats: () => this.stats(),
        awayCount: () => directory.awayCount,
        held: () => directory.held,
        sharedHeld: directory instanceof RedisDirectory ? () => directory.sharedHeld : undefined,
        traffic: (transport) => (transport === 'sse' ? this.sse : this.websocket).traffic(),
      },
      { enabled: options.metrics, token: options.metricsToken },
    );

    this.ownsServer = options.port !== undefined;
    if (this.ownsServer) {
      const http = createHttpHandler({ relay: this, staticDirs: options.staticDirs });
      this.server = createServer(requestTimeouts(options.requestTimeout), (req, res) => {
        if (pathnameOf(req) === options.path) this.handleRequest(req, res);
        else http(req, res);
      });
    } else {
      this.server = options.server;
      if (this.server) this.takeRequests(this.server);
    }
    this.server?.on('upgrade', this.onServerUpgrade);
    this.ready = this.ownsServer ? this.listen() : Promise.resolve();
  }

  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  stats(): RelayStats {
    const websocket = this.websocket.size;
    const sse = this.sse.size;
    return {
      connections: websocket + sse,
      transports: { websocket, sse },
      rooms: this.directory.roomCount,
      peers: this.directory.peerCount,
    };
  }

  readiness(): ReadinessReport {
    return this.readinessChecks.report();
  }

  addReadinessCheck(check: ReadinessCheck): void {
    this.readinessChecks.add(check);
  }

  /** The `accepting` readiness check: why this relay takes no new clients, if it does not. */
  private notAccepting(): string | undefined {
    if (this.shutdown) return 'shutting down';
    if (this.draining) return 'draining';
    return undefined;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.shutdown || this.draining) return refuseUpgrade(socket, 503, 'Service Unavailable');
    this.websocket.handleUpgrade(req, socket, head, this.accept);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    // While draining, the sessions the relay has go on (their POSTs, a dropped stream coming back).
    if (this.shutdown || (this.draining && this.sse.opensNewStream(req))) {
      res.writeHead(503, { 'Content-Length': 0, 'Retry-After': '1' });
      res.end();
      return;
    }
    this.sse.handleRequest(req, res, this.accept);
  }

  close(code: number = CloseCodes.ServiceRestart): Promise<void> {
    if (!isSendableCloseCode(code)) {
      return Promise.reject(new TypeError(`close code must be 1000, 1001, 1008-1014 or 3000-4999, got ${code}`));
    }
    this.shutdown ??= this.closeAll(code);
    return this.shutdown;
  }

  drain(): Promise<void> {
    this.draining ??= new Promise<void>((resolve) => {
      const window = this.options.drainWindow;
      this.options.logger.info({ window, ...this.stats() }, 'draining: refusing new clients');
      this.endDrain = resolve;
      this.drainTimer = setTimeout(resolve, window);
    }).then(() => this.close());
    return this.draining;
  }

  /** Rooms in this process's memory, or shared with other instances through Redis. */
  private createDirectory(): Directory<Connection> {
    const { redis, maxPeersPerRoom, resumeGrace, maxHeldBytesPerPeer, maxHeldBytes, logger } = this.options;
    if (!redis) return new Rooms(this.options);
    return new RedisDirectory<Connection>({
      ...redis,
      maxPeersPerRoom,
      resumeGrace,
      maxHeldBytesPerPeer,
      maxHeldBytes,
      joinsPerMinutePerIp: this.options.joinsPerMinutePerIp,
      logger,
      connectionsByAddress: () => this.addresses.connectionsByAddress(),
      onReplaced: (connection) => {
        connection.session = undefined;
        this.kick(connection, ErrorCodes.Replaced, 'this session was resumed by a newer connection');
      },
      onForwardedPost: (secret, body) => this.sse.handleForwarded(secret, body),
    });
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

  /**
   * On a server that is not ours, requests to the signaling path are ours (the SSE transport) and
   * every other one goes to the listeners the host had: engine.io attaches to a server the same way.
   */
  private takeRequests(server: Server): void {
    this.hostListeners = server.listeners('request') as typeof this.hostListeners;
    server.removeAllListeners('request');
    server.on('request', this.onServerRequest);
  }

  private readonly onServerRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (pathnameOf(req) === this.options.path) return this.handleRequest(req, res);
    for (const listener of this.hostListeners) listener.call(this.server, req, res);
  };

  private readonly onServerUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathnameOf(req) === this.options.path) return this.handleUpgrade(req, socket, head);
    // Someone else on a shared server may handle this path; when nobody does, say so.
    if (this.server?.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
  };

  /** A new connection on either transport (already counted): admitted, or told why not. */
  private readonly accept = (connection: Connection, req: IncomingMessage): void => {
    this.metrics.connectionOpened(connection.transport);
    connection.tokens = this.options.messageBurst;
    connection.refilledAt = performance.now();
    if (this.shutdown) {
      // It opened while close() was running: it was not in its list.
      connection.close(CloseCodes.ServiceRestart, 'relay restarting');
      return;
    }
    const refusal = this.refusalFor(req);
    if (refusal) return this.kick(connection, refusal.code, refusal.message);
    // The join deadline runs from now: it also ends a wait for Redis's count of the address.
    connection.joinTimer = setTimeout(() => {
      this.kick(connection, ErrorCodes.JoinTimeout, `no join within ${this.options.joinTimeout} ms`);
    }, this.options.joinTimeout).unref();
    const admission = this.addresses.admit(this.addresses.addressOf(req));
    if (!(admission instanceof Promise)) {
      this.admitFrom(connection, admission);
      return;
    }
    // The deployment's count is asked (Redis): what the client sends meanwhile waits its turn.
    const backlog: Waiting[] = [];
    connection.backlog = backlog;
    void admission.then((address) => {
      if (!connection.isOpen || connection.closing) {
        // It is gone or going (ended() found no address to release): its place goes back now.
        if (address) this.addresses.release(address);
        return;
      }
      if (this.admitFrom(connection, address)) this.handleBacklog(connection, backlog);
    });
  };

  /** The connection counts against `address`; or, when that address is at its cap, it is refused (false). */
  private admitFrom(connection: Connection, address: Admission): boolean {
    if (!address) {
      const limit = this.options.maxConnectionsPerIp;
      this.kick(connection, ErrorCodes.TooManyConnections, `this address holds ${limit} connections already`);
      return false;
    }
    connection.address = address;
    return true;
  }

  private refusalFor(req: IncomingMessage): { code: ErrorCode; message: string } | undefined {
    const { allowedOrigins, maxConnections } = this.options;
    const origin = req.headers.origin;
    if (allowedOrigins && !isAllowedOrigin(req, allowedOrigins)) {
      return { code: ErrorCodes.OriginNotAllowed, message: `origin ${origin ?? '(none)'} is not allowed` };
    }
    // The new connection is counted already; a peer within its grace holds a place too.
    if (this.websocket.size + this.sse.size + this.directory.awayCount > maxConnections) {
      return { code: ErrorCodes.ServerFull, message: 'the relay is full, try again later' };
    }
    return undefined;
  }

  ended(connection: Connection, ending: Ending, code: number): void {
    clearTimeout(connection.joinTimer);
    this.metrics.closed(connection.transport, code);
    if (connection.address) this.addresses.release(connection.address);
    const session = connection.session;
    if (session) this.options.logger.info({ ...this.logFields(connection), code, ending }, 'session end');
    if (!session || this.shutdown) return;
    connection.session = undefined;
    if (ending === Endings.Left) this.directory.leave(session);
    else this.directory.lose(session);
  }

  /** Pings every connection; one that did not answer the previous ping is cut (and counts as lost). */
  private readonly beat = (): void => {
    this.websocket.beat();
    this.sse.beat();
  };

  // ---- inbound messages -----------------------------------------------------------------------

  message(connection: Connection, text: string): void {
    if (!this.admitMessage(connection)) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.sendError(connection, ErrorCodes.BadMessage, 'a frame must hold one JSON message');
    }
    if (!isRecord(message)) return this.sendError(connection, ErrorCodes.BadMessage, 'a message must be a JSON object');
    // An earlier message is still being handled: this one waits its turn, so order is kept. The rate
    // limit above already bounds how many can wait.
    if (connection.backlog) connection.backlog.push({ message, text });
    else this.handle(connection, message, text);
  }

  /**
   * Handles one message (`text`: the JSON it was parsed from). One that is handled asynchronously (a
   * join) holds the messages that follow in the connection's backlog until it is done; they are
   * handled then, in order. Returns that backlog while it waits.
   */
  private handle(connection: Connection, message: Record<string, unknown>, text: string): Waiting[] | undefined {
    let pending: Promise<void> | void;
    try {
      pending = this.dispatch(connection, message, text);
    } catch (error) {
      this.internalError(connection, error);
      return undefined;
    }
    if (!pending) return undefined;
    const backlog: Waiting[] = [];
    connection.backlog = backlog;
    pending.then(
      () => this.handleBacklog(connection, backlog),
      (error: unknown) => this.internalError(connection, error),
    );
    return backlog;
  }

  private handleBacklog(connection: Connection, backlog: Waiting[]): void {
    connection.backlog = undefined;
    for (let index = 0; index < backlog.length; index++) {
      if (connection.closing) return;
      // Another message is asynchronous in turn: the rest wait behind it, still in order.
      const { message, text } = backlog[index] as Waiting;
      const waiting = this.handle(connection, message, text);
      if (waiting) {
        waiting.push(...backlog.slice(index + 1));
        return;
      }
    }
  }

  /** A bug of ours, not the client's: say so and drop this connection, never the process. */
  private internalError(connection: Connection, error: unknown): void {
    this.options.logger.error({ ...this.logFields(connection), err: error }, 'internal error while handling a message');
    connection.backlog = undefined;
    connection.close(CloseCodes.InternalError, 'internal error');
  }

  binaryMessage(connection: Connection): void {
    if (!this.admitMessage(connection)) return;
    this.sendError(connection, ErrorCodes.BadMessage, 'binary frames are not part of the protocol');
  }

  /** Whether a message is handled at all: not once the relay is closing the connection, nor over the rate. */
  private admitMessage(connection: Connection): boolean {
    if (connection.closing) return false;
    if (this.takeToken(connection)) return true;
    this.kick(connection, ErrorCodes.RateLimited, 'too many messages');
    return false;
  }

  /**
   * Handles a message by its type (`text`: the JSON it was parsed from); a promise when it is handled
   * asynchronously (a join).
   */
  private dispatch(connection: Connection, message: Record<string, unknown>, text: string): Promise<void> | void {
    switch (message.type) {
      case 'signal':
        return this.onSignal(connection, message, text);
      case 'join':
        return this.onJoin(connection, message);
      case 'leave':
        return connection.close(CloseCodes.Normal, 'leave');
      case 'name':
        return this.onName(connection, message);
      case 'ice-servers':
        return this.onIceServers(connection);
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

  private onSignal(connection: Connection, message: Record<string, unknown>, text: string): void {
    const sender = connection.session;
    if (!sender) return this.sendError(connection, ErrorCodes.NotJoined, 'join a room before sending signals');
    const { to } = message;
    if (typeof to !== 'string' || to.length > MAX_PEER_ID_LENGTH) {
      return this.sendError(connection, ErrorCodes.BadMessage, 'signal.to must be a peer id');
    }
    // `data` goes on as the client wrote it, cut from the frame: never re-serialised (raw-member.ts).
    const data = rawMemberText(text, 'data');
    if (data === undefined) return this.sendError(connection, ErrorCodes.BadMessage, 'signal.data is required');

    // The relay sets `from` (the client's own `from`, if any, was parsed and dropped).
    const outcome = this.directory.signal(sender, to, data);
    // A shared directory answers later; the connection's next messages do not wait for it.
    if (typeof outcome === 'string') this.reportSignal(connection, outcome, to);
    else outcome.then((settled) => this.reportSignal(connection, settled, to));
  }

  private reportSignal(connection: Connection, outcome: SignalOutcome, to: string): void {
    if (outcome === 'no-such-peer') this.sendError(connection, ErrorCodes.NoSuchPeer, 'no such peer in this room', to);
    else if (outcome === 'held-full') {
      this.sendError(connection, ErrorCodes.HeldFull, 'that peer is reconnecting and no more is held for it', to);
    } else if (outcome === 'directory-unavailable') {
      this.sendError(connection, ErrorCodes.DirectoryUnavailable, 'the relays cannot reach each other now', to);
    }
  }

  /** A member changes the name the others see; they get `peer-renamed`. */
  private onName(connection: Connection, message: Record<string, unknown>): void {
    const session = connection.session;
    if (!session) return this.sendError(connection, ErrorCodes.NotJoined, 'join a room before naming yourself');
    if (session.nameFixed) return this.sendError(connection, ErrorCodes.NameFixed, 'your join token names you');
    const { name } = message;
    if (typeof name !== 'string' || name.length > this.options.maxNameLength) {
      return this.sendError(
        connection,
        ErrorCodes.BadMessage,
        `name.name must be a string of at most ${this.options.maxNameLength} characters`,
      );
    }
    this.directory.rename(session, name);
  }

  /**
   * Checks a join and puts the connection in its room. Asynchronous, as the steps a join may wait for
   * are (a token's verification, a directory shared between relays): the messages that follow it wait
   * in the connection's backlog meanwhile (see handle()).
   */
  private async onJoin(connection: Connection, message: Record<string, unknown>): Promise<void> {
    if (connection.session)
      return this.sendError(connection, ErrorCodes.AlreadyJoined, 'this connection already joined a room');
    const problem = this.joinProblem(message);
    if (problem) return this.sendError(connection, ErrorCodes.BadMessage, problem);
    const {
      room,
      name = '',
      token,
      resume,
    } = message as { room: string; name?: string; token?: string; resume?: string };
    if (!this.options.roomPattern.test(room)) {
      return this.kick(connection, ErrorCodes.BadRoom, 'the room name breaks the room-name rules');
    }
    // This instance's own bucket first, before the token check it spares a flood (with Redis, the
    // join script takes the join from the address's bucket for all instances too).
    if (connection.address && !this.addresses.takeJoin(connection.address)) {
      return this.refuseTooManyJoins(connection);
    }
    let grant: Grant | undefined;
    if (this.tokens) {
      // Every join, a resume too: a resume token proves who you were, not that you may be here.
      const verdict = await this.tokens.check(token, room);
      if (!verdict.ok) {
        this.metrics.tokenFailure(verdict.code);
        if (verdict.code === ErrorCodes.TokenUnverifiable) {
          this.options.logger.warn({ ...this.logFields(connection), reason: verdict.message }, 'cannot verify a token');
        }
        return this.kick(connection, verdict.code, verdict.message);
      }
      // It went away, or met its join deadline, while the token was checked.
      if (!connection.isOpen || connection.closing) return;
      grant = verdict.grant;
    }

    const resumeToken = resume ?? newResumeToken();
    const result = await this.directory.join(connection, {
      room,
      // The token's name is the one the others see, whatever the page says.
      name: grant?.name ?? name,
      caps: grant?.caps,
      nameFixed: grant?.name !== undefined,
      resumeToken,
      address: connection.address?.key,
    });
    if (!result.ok) return this.refuseJoin(connection, result.reason, room);
    const { session, displaced } = result;
    if (displaced) {
      // Half-open: the old connection looks alive to us but its client has already come back.
      displaced.session = undefined;
      this.kick(displaced, ErrorCodes.Replaced, 'this session was resumed by a newer connection');
    }
    // The connection went away while the join was decided: the session it holds now is lost, as it
    // would be had it been in the room already (its place is kept for the grace).
    if (!connection.isOpen || connection.closing) return this.directory.lose(session);
    clearTimeout(connection.joinTimer);
    connection.joinTimer = undefined;
    connection.session = session;
    this.metrics.joined(result.resumed);
    this.options.logger.info({ ...this.logFields(connection), resumed: result.resumed }, 'session start');
    this.welcome(connection, result, resumeToken);
    this.directory.deliverHeld(session);
  }

  private refuseJoin(connection: Connection, reason: JoinRefusal, room: string): void {
    if (reason === 'room-full') return this.kick(connection, ErrorCodes.RoomFull, `room ${room} is full`);
    if (reason === 'too-many-joins') return this.refuseTooManyJoins(connection);
    if (connection.closing) return;
    // Not the client's fault, and it passes: come back later (the resume token keeps the id).
    this.sendError(connection, ErrorCodes.DirectoryUnavailable, 'the relays cannot reach each other now');
    clearTimeout(connection.joinTimer);
    connection.close(CloseCodes.TryAgainLater, ErrorCodes.DirectoryUnavailable);
  }

  private refuseTooManyJoins(connection: Connection): void {
    this.kick(connection, ErrorCodes.TooManyJoins, 'too many joins from this address this minute');
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

  private welcome(
    connection: Connection,
    { session, peers, resumed }: Extract<JoinResult<Connection>, { ok: true }>,
    resumeToken: string,
  ): void {
    const welcome: WelcomeMessage = {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      id: session.id,
      room: session.room.name,
      peers,
      iceServers: this.iceServersFor(session),
      caps: session.caps,
      resume: resumeToken,
      resumed,
    };
    connection.send(JSON.stringify(welcome));
  }

  /** Fresh ICE servers for a peer about to restart ICE (its TURN credentials may have expired). */
  private onIceServers(connection: Connection): void {
    const session = connection.session;
    if (!session) return this.sendError(connection, ErrorCodes.NotJoined, 'join a room before asking for ICE servers');
    const answer: IceServersMessage = { type: 'ice-servers', iceServers: this.iceServersFor(session) };
    connection.send(JSON.stringify(answer));
  }

  /** The configured ICE servers, and with a TURN secret, the TURN server with this peer's fresh credentials. */
  private iceServersFor(session: Session<Connection>): IceServer[] {
    if (!this.turn) return this.options.iceServers;
    return [...this.options.iceServers, this.turn.iceServerFor(session.id)];
  }

  // ---- outbound -------------------------------------------------------------------------------

  private sendError(connection: Connection, code: ErrorCode, message: string, to?: string): void {
    // JSON leaves `to` out when it is undefined.
    const error: ErrorMessage = { type: 'error', code, message, hint: this.hints[code], to };
    this.metrics.errorSent(code);
    connection.send(JSON.stringify(error));
  }

  /** Who a log line is about: the connection's transport and address, its peer and room once joined. */
  private logFields(connection: Connection): Record<string, unknown> {
    const { session } = connection;
    return {
      transport: connection.transport,
      address: connection.address?.key,
      peer: session?.id,
      room: session?.room.name,
    };
  }

  /**
   * Tells the client why, then closes its connection with the code the error is defined to close
   * with (protocol/signaling.ts); a peer it held leaves the room at once.
   */
  private kick(connection: Connection, code: ErrorCode, message: string): void {
    if (connection.closing) return;
    // A client's mistake or abuse, not ours: no stack trace, and below the default level.
    this.options.logger.debug?.({ ...this.logFields(connection), code }, 'closing a connection');
    this.sendError(connection, code, message);
    clearTimeout(connection.joinTimer);
    connection.close(ERROR_MEANINGS[code].closesWith ?? CloseCodes.Policy, code);
  }

  // ---- shutdown -------------------------------------------------------------------------------

  private async closeAll(code: number): Promise<void> {
    clearTimeout(this.drainTimer);
    this.endDrain?.();
    clearInterval(this.heartbeat);
    this.addresses.close();
    const cleared = this.directory.clear();
    const reason = code === CloseCodes.ServiceRestart ? 'relay restarting' : '';
    await Promise.all([this.websocket.closeAll(code, reason), this.sse.closeAll(code, reason), cleared]);
    this.server?.off('upgrade', this.onServerUpgrade);
    if (!this.ownsServer && this.server) {
      this.server.off('request', this.onServerRequest);
      for (const listener of this.hostListeners) this.server.on('request', listener);
    }
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
 * Browsers send Origin with every WebSocket and every cross-origin request, but not with a
 * same-origin GET (an EventSource on the relay's own page): there `Sec-Fetch-Site` says so, and a
 * page on another site cannot make a browser claim it.
 */
function isAllowedOrigin(req: IncomingMessage, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) return allowedOrigins.has(origin);
  return req.method === 'GET' && req.headers['sec-fetch-site'] === 'same-origin';
}

/**
 * Node's own timeouts for a request that is not complete in time (a TCP connection that sends
 * nothing, or headers or a body that trickle in), checked often enough that one closes soon after
 * its time is up (Node checks every 30 s by default).
 */
function requestTimeouts(timeout: number): ServerOptions {
  const checkEvery = Math.min(REQUEST_TIMEOUT_CHECK, Math.ceil(timeout / 4));
  return { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: checkEvery };
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
