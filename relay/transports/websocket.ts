/**
 * The WebSocket transport: a `ws` upgrade on the signaling path, one message per text frame,
 * protocol pings for the heartbeat, and corking so a burst of messages to one peer leaves in one
 * write.
 *
 * How a WebSocket ends decides what happens to its peer (docs/protocol.md, "Leaving"): any close
 * frame from the client is a leave (1000, 1001, 1005 "no code", ...), except 4000 ("I will come
 * back"); a connection that ends without one (1006: cut by the heartbeat or as a slow reader, or
 * lost on the network) keeps its place for the grace period.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { corker } from './cork.js';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { Connection, Endings, type Traffic, type TransportContext } from './connection.js';
import { CloseCodes, Transports } from '../../protocol/signaling.js';

/** How long closeAll() waits for clients to answer the closing handshake before cutting them. */
const CLOSE_HANDSHAKE_TIMEOUT = 2000;

export interface WebSocketTransportOptions extends TransportContext {
  /** Largest inbound frame in bytes; ws closes a connection that sends a larger one with 1009. */
  maxPayload: number;
}

export class WebSocketConnection extends Connection {
  readonly socket: WebSocket;
  /** Cleared at each heartbeat, set by the pong; still clear at the next heartbeat means dead. */
  isAlive = true;

  constructor(context: TransportContext, socket: WebSocket) {
    super(context);
    this.socket = socket;
  }

  get transport(): typeof Transports.WebSocket {
    return Transports.WebSocket;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get queuedBytes(): number {
    // bufferedAmount counts corked bytes too, so the slow-reader check sees a burst being held.
    return this.socket.bufferedAmount;
  }

  close(code: number, reason: string): void {
    this.closing = true;
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  takeUndelivered(): string[] {
    // What a dead socket took before the heartbeat noticed cannot be told from what arrived.
    return [];
  }

  beat(): void {
    if (!this.isAlive) return this.terminate();
    this.isAlive = false;
    this.socket.ping();
  }

  protected write(text: string): void {
    // bufferedAmount still counts corked bytes, so the slow-reader check sees them.
    const raw = rawSocketOf(this.socket);
    if (raw) corker.cork(raw);
    this.socket.send(text);
  }
}

export class WebSocketTransport {
  private readonly options: WebSocketTransportOptions;
  private readonly wss: WebSocketServer;
  /** Open connections by socket: the shared socket listeners find their connection here. */
  private readonly connections = new Map<WebSocket, WebSocketConnection>();
  private readonly listeners: SocketListeners;

  constructor(options: WebSocketTransportOptions) {
    this.options = options;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload,
      perMessageDeflate: false,
    });
    this.listeners = createSocketListeners(this.connections, options);
  }

  get name(): typeof Transports.WebSocket {
    return Transports.WebSocket;
  }

  /** Open connections. */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Completes an upgrade; `accept` gets the new connection (already counted and listened to) and the
   * request, and decides whether to keep it.
   */
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    accept: (connection: WebSocketConnection, req: IncomingMessage) => void,
  ): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new WebSocketConnection(this.options, ws);
      // ws closes the connection after a socket or protocol error (a 1009 for an oversized frame,
      // for instance); an unhandled 'error' would be fatal. Attached before anything else.
      ws.on('error', this.listeners.error);
      this.connections.set(ws, connection);
      ws.on('pong', this.listeners.pong);
      ws.on('message', this.listeners.message);
      ws.on('close', this.listeners.close);
      accept(connection, req);
    });
  }

  beat(): void {
    for (const connection of this.connections.values()) connection.beat();
  }

  /**
   * What this transport carried: messages as counted, bytes as their TCP sockets count them (the
   * upgrade and the frames' headers included) for the connections that ended and those still open.
   */
  traffic(): Traffic {
    const traffic = { ...this.options.traffic };
    for (const socket of this.connections.keys()) {
      const raw = rawSocketOf(socket);
      traffic.bytesIn += raw?.bytesRead ?? 0;
      traffic.bytesOut += raw?.bytesWritten ?? 0;
    }
    return traffic;
  }

  /** Closes every connection with `code` and waits for them (cut after a short handshake wait). */
  async closeAll(code: number, reason: string): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => closeAndWait(connection, code, reason)));
  }
}

interface SocketListeners {
  error(this: WebSocket, error: Error): void;
  pong(this: WebSocket): void;
  message(this: WebSocket, data: RawData, isBinary: boolean): void;
  close(this: WebSocket, code: number): void;
}

/**
 * One set of listeners for every socket; ws calls them with the socket as `this`. Four closures per
 * connection cost more memory than a Map lookup per event, and idle connections are most of what
 * the relay holds.
 */
function createSocketListeners(
  connections: Map<WebSocket, WebSocketConnection>,
  { handler, traffic }: TransportContext,
): SocketListeners {
  return {
    error(this: WebSocket, error: Error) {
      // ws's own protocol errors (an oversized frame: 1009; a malformed one: 1002) are the client
      // breaking a rule, like a rate limit: its peer leaves. A socket error (a reset) is a loss.
      const connection = connections.get(this);
      if (connection && (error as { code?: string }).code?.startsWith('WS_ERR_')) connection.closing = true;
    },
    pong(this: WebSocket) {
      const connection = connections.get(this);
      if (connection) connection.isAlive = true;
    },
    message(this: WebSocket, data: RawData, isBinary: boolean) {
      const connection = connections.get(this);
      if (!connection) return;
      traffic.messagesIn++;
      // With the default binaryType, a frame arrives as one Buffer.
      if (isBinary) handler.binaryMessage(connection);
      else handler.message(connection, (data as Buffer).toString());
    },
    close(this: WebSocket, code: number) {
      const connection = connections.get(this);
      if (!connection) return;
      connections.delete(this);
      const raw = rawSocketOf(this);
      traffic.bytesIn += raw?.bytesRead ?? 0;
      traffic.bytesOut += raw?.bytesWritten ?? 0;
      handler.ended(connection, endingOf(connection, code), code);
    },
  };
}

/** A close frame from the client is a leave unless it says it will come back; none is a loss. */
function endingOf(connection: WebSocketConnection, code: number) {
  if (connection.closing) return Endings.Left;
  if (code === CloseCodes.Abnormal || code === CloseCodes.Reconnecting) return Endings.Lost;
  return Endings.Left;
}

function closeAndWait(connection: WebSocketConnection, code: number, reason: string): Promise<void> {
  const { socket } = connection;
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const cut = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_TIMEOUT);
    socket.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    connection.close(code, reason);
  });
}

/**
 * The transport under a ws WebSocket, to cork it. ws has no public cork, but `_socket` has been the
 * underlying Duplex on every ws 8 release (its Sender corks it the same way around each frame);
 * tests/relay/cork.test.ts pins that. If a future ws drops it, the relay still works, one write per
 * message as before.
 */
function rawSocketOf(socket: WebSocket): Socket | undefined {
  const raw = (socket as unknown as { _socket?: Partial<Socket> })._socket;
  return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? (raw as Socket) : undefined;
}
