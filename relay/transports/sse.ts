/**
 * The SSE + POST transport, for networks that break WebSocket upgrades (docs/protocol.md, "SSE +
 * POST"). On the signaling URL:
 * - `GET` with `Accept: text/event-stream` opens a stream. Its first event (`session`) hands out a
 *   secret; then each relay message is one event whose data is the message's JSON, with an
 *   increasing `id`. A comment (`: ping`) goes out every heartbeat; a close is a last `close` event
 *   `{code, reason}`, then the response ends.
 * - `POST ?session=<secret>` (text/plain, a CORS simple request) carries client messages, one JSON
 *   message per line; 204 when handled. The relay's answers go to the stream, as over WebSocket.
 * - A dropped stream is not a leave: for one to two heartbeat intervals the connection waits,
 *   keeping what it sends, and a `GET ?session=<secret>` with `Last-Event-ID` (or `last-event-id`)
 *   carries on where the client's last event was. Past that it is lost (the room's resume grace).
 *   `{"type":"leave"}` is the goodbye.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Connection, Endings, type Ending, type Traffic, type TransportContext } from './connection.js';
import { corker } from './cork.js';
import {
  CloseCodes,
  SseEvents,
  SseParams,
  Transports,
  type SseCloseEvent,
  type SseSessionEvent,
} from '../../protocol/signaling.js';

/**
 * Bytes of recent events a stream keeps for a reconnect (a signaling burst, an offer and its
 * candidates, is a few KiB). An event also goes once two heartbeats have passed: a client that was
 * away longer starts afresh with its resume token.
 */
export const SSE_REPLAY_BYTES = 64 * 1024;

/** Sent when a stream opens: what every proxy on the way must leave alone. */
const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: a compressing proxy would hold events back to fill its blocks.
  'Cache-Control': 'no-cache, no-transform',
  // nginx buffers proxied responses unless told not to (its proxy_buffering is on by default).
  'X-Accel-Buffering': 'no',
} as const;

const PING = ': ping\n\n';

export interface SseTransportOptions extends TransportContext {
  /** Largest POST body in bytes (the WebSocket frame limit); a larger one is 413 and closes with 1009. */
  maxPayload: number;
  /**
   * Relay instances that share rooms: a POST whose session no stream here holds goes to the instance
   * that holds it; resolves with the status that instance answered, or undefined when none holds it.
   */
  forward?: (secret: string, body: Buffer) => Promise<number | undefined>;
}

export class SseConnection extends Connection {
  /** Names this connection in POSTs and reconnects; only its client knows it. */
  readonly secret: string;
  /** The open response; undefined while the stream is away (dropped, not yet back). */
  private stream: ServerResponse | undefined;
  private readonly transportOf: SseTransport;
  private lastId = 0;
  /**
   * Recent events as written (`id: n\ndata: ...\n\n`), oldest first from `recentStart` (the
   * entries before it are forgotten, and cut off now and then: shift() would copy the array for
   * every event once it is full); the last is `lastId`'s.
   */
  private recent: string[] = [];
  private recentStart = 0;
  private recentBytes = 0;
  /** The `lastId` at the last heartbeat: the next one forgets the events up to it. */
  private lastIdAtBeat = 0;
  /** Events written during this event-loop turn, sent as one chunk when its work is done. */
  private pending = '';
  /** Messages sent while the stream was away, and their bytes. */
  private away: string[] = [];
  private awayBytes = 0;
  /** The stream was away at the last heartbeat too: at this one, the connection is lost. */
  private awayAtBeat = false;
  private ended = false;

  constructor(context: TransportContext, transport: SseTransport, secret: string) {
    super(context);
    this.transportOf = transport;
    this.secret = secret;
  }

  get transport(): typeof Transports.Sse {
    return Transports.Sse;
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  get queuedBytes(): number {
    return this.stream ? this.stream.writableLength + this.pending.length : this.awayBytes;
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.closing = true;
    const event: SseCloseEvent = { code, reason };
    const last = `${this.pending}event: ${SseEvents.Close}\ndata: ${JSON.stringify(event)}\n\n`;
    if (this.stream) this.stream.end(this.counted(last));
    this.pending = '';
    this.end(Endings.Left, code);
  }

  /** close(), resolved once the stream is gone. */
  closeAndWait(code: number, reason: string): Promise<void> {
    const stream = this.stream;
    const gone =
      stream && !stream.destroyed ? new Promise<void>((resolve) => stream.once('close', resolve)) : undefined;
    this.close(code, reason);
    return gone ?? Promise.resolve();
  }

  terminate(): void {
    if (this.ended) return;
    this.stream?.destroy();
    this.end(this.closing ? Endings.Left : Endings.Lost, CloseCodes.Abnormal);
  }

  beat(): void {
    if (this.stream) this.stream.write(this.counted(PING));
    else if (this.awayAtBeat) return this.terminate();
    else this.awayAtBeat = true;
    this.forgetUpTo(this.lastIdAtBeat);
    this.lastIdAtBeat = this.lastId;
  }

  /** For the corker: events go on collecting in `pending` until uncork(). */
  cork(): void {}

  /** Sends the events of this turn as one chunk (one write, not three per event). */
  uncork(): void {
    if (this.pending === '') return;
    this.stream?.write(this.counted(this.pending));
    this.pending = '';
  }

  protected write(text: string): void {
    const event = `id: ${++this.lastId}\n${dataField(text)}\n\n`;
    this.recent.push(event);
    this.recentBytes += event.length;
    if (this.recentBytes > SSE_REPLAY_BYTES) this.forgetUpTo(this.lastId - this.recentCount + 1);
    if (this.stream) {
      corker.cork(this);
      this.pending += event;
    } else {
      this.away.push(text);
      this.awayBytes += event.length;
    }
  }

  takeUndelivered(): string[] {
    const { away } = this;
    this.away = [];
    return away;
  }

  /** Starts writing to `stream`: the first one, or a reconnect (after `lastEventId`). */
  attach(stream: ServerResponse, lastEventId?: number): boolean {
    if (lastEventId !== undefined) {
      const missed = this.lastId - lastEventId;
      // The client cannot have seen events we never sent; and what it missed must still be here.
      if (missed < 0 || missed > this.recentCount) return false;
      const previous = this.stream;
      if (previous) {
        // A half-open old stream: the client already reconnected.
        this.stream = undefined;
        previous.destroy();
      }
      this.stream = stream;
      this.pending = '';
      stream.write(this.counted(this.recent.slice(this.recent.length - missed).join('')));
    } else {
      this.stream = stream;
      const session: SseSessionEvent = { session: this.secret };
      stream.write(this.counted(`event: ${SseEvents.Session}\ndata: ${JSON.stringify(session)}\n\n`));
    }
    this.away = [];
    this.awayBytes = 0;
    this.awayAtBeat = false;
    stream.on('close', () => this.onStreamClosed(stream));
    return true;
  }

  private onStreamClosed(stream: ServerResponse): void {
    if (this.stream !== stream) return;
    // The client went away without `leave`: wait for it to reconnect (beat() decides when not).
    // Events not written yet stay in `recent`, for the reconnect.
    this.stream = undefined;
    this.pending = '';
  }

  private get recentCount(): number {
    return this.recent.length - this.recentStart;
  }

  /** Forgets the recent events with ids up to `id`, and older ones while over the byte cap. */
  private forgetUpTo(id: number): void {
    const firstId = this.lastId - this.recentCount + 1;
    let start = this.recentStart + Math.max(0, id - firstId + 1);
    for (let index = this.recentStart; index < start && index < this.recent.length; index++) {
      this.recentBytes -= (this.recent[index] as string).length;
    }
    start = Math.min(start, this.recent.length);
    // The newest event stays, however large: a reconnect right after it can still be served.
    while (start < this.recent.length - 1 && this.recentBytes > SSE_REPLAY_BYTES) {
      this.recentBytes -= (this.recent[start] as string).length;
      start++;
    }
    this.recentStart = start;
    if (this.recentStart * 2 >= this.recent.length) {
      this.recent = this.recent.slice(this.recentStart);
      this.recentStart = 0;
    }
  }

  /** `text`, counted as sent (a whole turn's events at once, so this is not paid per message). */
  private counted(text: string): string {
    this.context.traffic.bytesOut += Buffer.byteLength(text);
    return text;
  }

  private end(ending: Ending, code: number): void {
    this.ended = true;
    this.stream = undefined;
    // The room may still take what was never delivered (takeUndelivered) while it is told.
    this.transportOf.forget(this, ending, code);
    this.recent = [];
    this.recentStart = 0;
    this.recentBytes = 0;
    this.pending = '';
    this.away = [];
  }
}

export class SseTransport {
  private readonly options: SseTransportOptions;
  /** Open connections by secret. */
  private readonly connections = new Map<string, SseConnection>();

  constructor(options: SseTransportOptions) {
    this.options = options;
  }

  get name(): typeof Transports.Sse {
    return Transports.Sse;
  }

  /** Open connections (a stream that is away but may come back counts). */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Handles a request to the signaling URL that is not a WebSocket upgrade. `accept` gets each new
   * stream's connection (already counted) and decides whether to keep it.
   */
  handleRequest(
    req: IncomingMessage,
    res: ServerResponse,
    accept: (connection: SseConnection, req: IncomingMessage) => void,
  ): void {
    allowCors(req, res);
    switch (req.method) {
      case 'GET':
        if (!acceptsEventStream(req)) return upgradeRequired(res);
        return this.openStream(req, res, accept);
      case 'POST':
        return this.receive(req, res);
      case 'OPTIONS':
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
          'Access-Control-Allow-Headers': 'Content-Type, Last-Event-ID',
          'Access-Control-Max-Age': '86400',
          'Content-Length': 0,
        });
        return void res.end();
      default:
        res.writeHead(405, { Allow: 'GET, POST, OPTIONS', 'Content-Length': 0 });
        return void res.end();
    }
  }

  beat(): void {
    for (const connection of this.connections.values()) connection.beat();
  }

  /** Closes every connection with `code` (a last `close` event) and ends its stream. */
  closeAll(code: number, reason: string): Promise<void> {
    const closing = [...this.connections.values()].map((connection) => connection.closeAndWait(code, reason));
    return Promise.all(closing).then(() => undefined);
  }

  /** Called by a connection as it ends: it is no longer found, and the server is told how it ended. */
  forget(connection: SseConnection, ending: Ending, code: number): void {
    if (this.connections.get(connection.secret) !== connection) return;
    this.connections.delete(connection.secret);
    this.options.handler.ended(connection, ending, code);
  }

  /** What this transport carried: messages, the event streams' bytes and the POST bodies' bytes. */
  traffic(): Traffic {
    return { ...this.options.traffic };
  }

  /** Whether a request to the signaling URL would open a new stream (not a POST, not a reconnect). */
  opensNewStream(req: IncomingMessage): boolean {
    return req.method === 'GET' && !queryOf(req).has(SseParams.Session);
  }

  private openStream(
    req: IncomingMessage,
    res: ServerResponse,
    accept: (connection: SseConnection, req: IncomingMessage) => void,
  ): void {
    const query = queryOf(req);
    const secret = query.get(SseParams.Session);
    if (secret !== null) return this.reconnect(req, res, secret, query);

    const connection = new SseConnection(this.options, this, randomBytes(24).toString('base64url'));
    startStream(req, res);
    this.connections.set(connection.secret, connection);
    connection.attach(res);
    accept(connection, req);
  }

  private reconnect(req: IncomingMessage, res: ServerResponse, secret: string, query: URLSearchParams): void {
    const connection = this.connections.get(secret);
    const lastEventId = Number(req.headers['last-event-id'] ?? query.get(SseParams.LastEventId) ?? Number.NaN);
    if (!connection) return plain(res, 404, 'no such session: open a new stream and join with your resume token');
    if (!Number.isSafeInteger(lastEventId)) return plain(res, 400, 'a reconnect needs Last-Event-ID');
    startStream(req, res);
    if (connection.attach(res, lastEventId)) return;
    // What the client missed is gone: it joins afresh with its resume token (the room keeps its place).
    res.end();
    connection.terminate();
  }

  /**
   * A POST that another relay instance forwarded here (its `forward`): handled as if it had arrived
   * here; its status, or undefined when no stream here holds the session.
   */
  handleForwarded(secret: string, body: Buffer): number | undefined {
    const connection = this.connections.get(secret);
    if (!connection) return undefined;
    return this.handleLines(connection, body);
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const secret = queryOf(req).get(SseParams.Session);
    const connection = secret === null ? undefined : this.connections.get(secret);
    const { forward } = this.options;
    if (!connection && secret !== null && forward) return this.forward(req, res, secret, forward);
    if (!connection) {
      req.resume();
      return plain(res, 404, 'no such session');
    }
    const { maxPayload } = this.options;
    readBody(req, maxPayload, (body) => {
      if (body) return this.handleBody(connection, body, res);
      // The same as a WebSocket frame over the limit: the connection closes with 1009.
      res.setHeader('Connection', 'close');
      plain(res, 413, `a POST holds at most ${maxPayload} bytes`);
      connection.close(CloseCodes.TooBig, 'message too big');
    });
  }

  /**
   * The stream is on another instance (no sticky sessions behind a load balancer): the POST is
   * handled there, and answered here once it has been, so the client's next POST cannot overtake it.
   */
  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    secret: string,
    forward: (secret: string, body: Buffer) => Promise<number | undefined>,
  ): void {
    const { maxPayload } = this.options;
    readBody(req, maxPayload, (body) => {
      if (!body) return plain(res, 413, `a POST holds at most ${maxPayload} bytes`);
      void forward(secret, body).then((status) => {
        if (status === undefined) return plain(res, 404, 'no such session');
        res.writeHead(status, { 'Content-Length': 0 });
        res.end();
      });
    });
  }

  /** A POST's body: one message per line, handled in order; the answers go to the stream. */
  private handleBody(connection: SseConnection, body: Buffer, res: ServerResponse): void {
    const status = this.handleLines(connection, body);
    if (status === 400) return plain(res, 400, 'the body must be UTF-8 text: one JSON message per line');
    res.writeHead(status, { 'Content-Length': 0 });
    res.end();
  }

  /**
   * Handles a POST's messages (counted here, also when another instance received the POST); its
   * status: 204, or 400 for a body that is not UTF-8.
   */
  private handleLines(connection: SseConnection, body: Buffer): number {
    const { handler, traffic } = this.options;
    traffic.bytesIn += body.length;
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      handler.binaryMessage(connection);
      return 400;
    }
    let handled = 0;
    for (const line of text.split('\n')) {
      if (connection.closing || !connection.isOpen) break;
      const message = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (message === '') continue;
      handled++;
      traffic.messagesIn++;
      handler.message(connection, message);
    }
    // Every POST counts against the message rate, even one with no message in it.
    if (handled === 0 && connection.isOpen) {
      traffic.messagesIn++;
      handler.message(connection, '');
    }
    return 204;
  }
}

/**
 * Reads a request's body up to `limit` bytes; `done` gets it, or undefined (once) as soon as it is
 * larger (from its Content-Length, or as it arrives), and the rest is not kept.
 */
function readBody(req: IncomingMessage, limit: number, done: (body: Buffer | undefined) => void): void {
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return done(undefined);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (size > limit) return;
    size += chunk.length;
    if (size > limit) return done(undefined);
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (size <= limit) done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An event's data field. A line break in the text (only possible as whitespace between the JSON
 * tokens of a client's `signal.data`, which is forwarded as written) would end the field early, so
 * each line goes in a `data:` line of its own; the client joins them with `\n` (HTML, "Interpreting
 * an event stream"). The JSON means the same with `\n` in place of `\r\n` or `\r` there.
 */
function dataField(text: string): string {
  if (!text.includes('\n') && !text.includes('\r')) return `data: ${text}`;
  return `data: ${text.split(/\r\n|\r|\n/).join('\ndata: ')}`;
}

function startStream(req: IncomingMessage, res: ServerResponse): void {
  // The response lives as long as the session: no idle timeout, and the kernel notices a dead peer.
  req.socket.setTimeout(0);
  req.socket.setKeepAlive(true);
  req.socket.setNoDelay(true);
  // A write that races the client's going away must not become an unhandled 'error'; the 'close'
  // that follows tells the connection.
  res.on('error', ignore);
  res.writeHead(200, STREAM_HEADERS);
}

/**
 * Any origin may read the stream and post to it: the session secret is what authorizes a POST, and
 * the relay's origin rule is applied when a stream opens (a refused origin reads why, as over
 * WebSocket). Same-origin requests carry no Origin and need no header.
 */
function allowCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
}

function acceptsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

/** A GET that is neither an upgrade nor an event stream (a proxy that dropped the upgrade headers). */
function upgradeRequired(res: ServerResponse): void {
  res.setHeader('Upgrade', 'websocket');
  plain(res, 426, 'use a WebSocket upgrade, or GET with Accept: text/event-stream');
}

function plain(res: ServerResponse, status: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '';
  const start = url.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : url.slice(start + 1));
}

function ignore(): void {}
