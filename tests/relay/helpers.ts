/**
 * Small helpers for the relay tests: a real relay on port 0 and real clients of either transport,
 * both closed when the test ends (registered with `t.after`). The two test clients have the same
 * API and buffer what they receive, so one suite runs over both (`for (const transport of
 * TRANSPORTS)`) and reads messages one by one without racing the connection.
 * - WsTestClient: a `ws` WebSocket.
 * - SseTestClient: a `GET` event stream (node:http, so a test can stop reading it) and `POST`s,
 *   one at a time so they keep their order, as docs/protocol.md asks of a client.
 */
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import { createRelay, type Relay, type RelayOptions } from '../../relay/index.js';
import type {
  ErrorCode,
  ErrorMessage,
  ServerMessage,
  SseCloseEvent,
  SseSessionEvent,
  TransportName,
  WelcomeMessage,
} from '../../protocol/signaling.js';

/** How long a test waits for something that should happen; generous, never asserted on. */
export const PATIENCE = 3000;

/** Both transports, for suites that run over each. */
export const TRANSPORTS: readonly TransportName[] = ['websocket', 'sse'];

export interface RunningRelay {
  relay: Relay;
  /** ws://127.0.0.1:PORT/signal (the SSE client turns it into http:). */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
}

/** A quiet relay listening on a free port, closed after the test. */
export async function startRelay(
  t: TestContext,
  options: Omit<RelayOptions, 'port' | 'server' | 'noServer'> = {},
): Promise<RunningRelay> {
  const relay = createRelay({ port: 0, host: '127.0.0.1', logger: false, ...options });
  t.after(() => relay.close());
  await relay.ready;
  const origin = `http://127.0.0.1:${relay.port}`;
  return { relay, url: `ws://127.0.0.1:${relay.port}${options.path ?? '/signal'}`, origin };
}

export interface Closed {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  /** The Origin header to send. */
  origin?: string;
  /** The local address to connect from (any of 127.0.0.0/8 reaches the relay on Linux). */
  localAddress?: string;
  /** More request headers (X-Forwarded-For, say). */
  headers?: Record<string, string>;
}

/** What a relay test does with a client, over either transport. */
export abstract class TestClient {
  abstract readonly transport: TransportName;
  readonly closed: Promise<Closed>;
  protected isClosed = false;
  /** What arrived and was not read yet: each message's text as it came. */
  private readonly inbox: string[] = [];
  private wake: (() => void) | undefined;
  private resolveClosed!: (closed: Closed) => void;

  constructor() {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Sends a message object as JSON, or a string as it is. */
  abstract send(message: unknown): void;
  /** Sends several messages so the relay reads them as one burst (one TCP write, or one POST). */
  abstract sendBurst(messages: unknown[]): void;
  /** Sends bytes that are not text (a binary frame; a POST body that is not UTF-8). */
  abstract sendBinary(): void;
  /** Says goodbye: close 1000 over WebSocket, `leave` over SSE. */
  abstract leave(): void;
  /** Goes away without a goodbye (as a lost network does), and does not come back. */
  abstract drop(): void;
  /** Stops reading what the relay sends (the relay's writes pile up). */
  abstract stopReading(): void;

  /** Whether a message is waiting to be read. */
  hasMessage(): boolean {
    return this.inbox.length > 0;
  }

  /** The next message received; fails the test if none comes in time or the connection closes first. */
  async next(timeout = PATIENCE): Promise<ServerMessage> {
    return JSON.parse(await this.nextText(timeout)) as ServerMessage;
  }

  /** The next message's text exactly as it arrived (an SSE event's data lines joined with `\n`). */
  async nextText(timeout = PATIENCE): Promise<string> {
    const deadline = Date.now() + timeout;
    while (this.inbox.length === 0) {
      if (this.isClosed) throw new Error('the connection closed while a message was expected');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeout} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.inbox.shift() as string;
  }

  /** The next message, which must be an error with `code` and a hint; returns it. */
  async nextError(code: ErrorCode): Promise<ErrorMessage> {
    const message = await this.next();
    assert.equal(message.type, 'error', `expected error ${code}, got ${JSON.stringify(message)}`);
    assert.equal(message.code, code);
    assert.ok(message.hint, `error ${code} has no hint`);
    return message;
  }

  /** Joins `room` and returns the welcome. */
  async join(room: string, fields: Record<string, unknown> = {}): Promise<WelcomeMessage> {
    this.send({ type: 'join', room, ...fields });
    const message = await this.next();
    assert.equal(message.type, 'welcome', `expected welcome, got ${JSON.stringify(message)}`);
    return message;
  }

  /** The close code, once the relay closed the connection (1006 for one cut without a close). */
  async closeCode(timeout = PATIENCE): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the connection did not close within ${timeout} ms`)), timeout);
    });
    try {
      return (await Promise.race([this.closed, late])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  protected receive(text: string): void {
    this.inbox.push(text);
    this.wake?.();
  }

  protected onClosed(closed: Closed): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.resolveClosed(closed);
    this.wake?.();
  }
}

export interface WsConnectOptions extends ConnectOptions {
  /** Answer the relay's pings (default true; false plays a dead client). */
  autoPong?: boolean;
}

/** A `ws` client that keeps every message it receives until the test reads it. */
export class WsTestClient extends TestClient {
  readonly transport = 'websocket';
  readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    super();
    this.socket = socket;
    socket.on('error', () => {}); // a refused or cut connection shows up as `closed`
    socket.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the relay sends text frames only');
      this.receive(String(data));
    });
    socket.on('close', (code, reason) => this.onClosed({ code, reason: String(reason) }));
  }

  /** Opens a connection (closed after the test). */
  static async connect(t: TestContext, url: string, options: WsConnectOptions = {}): Promise<WsTestClient> {
    const clientOptions: ClientOptions = { autoPong: options.autoPong ?? true, headers: options.headers };
    if (options.origin) clientOptions.origin = options.origin;
    if (options.localAddress) clientOptions.localAddress = options.localAddress;
    const socket = new WebSocket(url, clientOptions);
    const client = new WsTestClient(socket);
    t.after(() => socket.terminate());
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBurst(messages: unknown[]): void {
    const raw = this.rawSocket;
    raw.cork();
    for (const message of messages) this.send(message);
    raw.uncork();
  }

  sendBinary(): void {
    this.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  }

  leave(): void {
    this.socket.close(1000);
  }

  drop(): void {
    this.socket.terminate();
  }

  stopReading(): void {
    this.rawSocket.pause();
  }

  /** The TCP socket under the WebSocket. */
  get rawSocket(): Socket {
    return (this.socket as unknown as { _socket: Socket })._socket;
  }
}

/** A client of the SSE + POST transport, as docs/protocol.md describes it. */
export class SseTestClient extends TestClient {
  readonly transport = 'sse';
  /** The signaling URL over http:. */
  readonly url: string;
  /** Where its POSTs go: `url`, unless a test sends them to another relay instance. */
  postUrl: string;
  /** The session secret from the stream's first event. */
  session = '';
  /** The id of the last event received. */
  lastEventId = 0;
  /** Every POST's status, in order. */
  readonly postStatuses: number[] = [];
  private request: ClientRequest | undefined;
  private response: IncomingMessage | undefined;
  /** POSTs go one at a time, in order. */
  private posting: Promise<unknown> = Promise.resolve();
  private buffer = '';

  private constructor(url: string) {
    super();
    this.url = url.replace(/^ws/, 'http');
    this.postUrl = this.url;
  }

  /** Opens a stream and waits for its session (closed after the test). */
  static async connect(t: TestContext, url: string, options: ConnectOptions = {}): Promise<SseTestClient> {
    const client = new SseTestClient(url);
    t.after(() => client.drop());
    await client.open(client.url, options);
    return client;
  }

  /**
   * Opens the stream at `url` (a new one, or a reconnect with `?session=`); resolves with the
   * response's status once it is known and, for a new stream, its session event has arrived.
   */
  open(url: string, options: ConnectOptions = {}, headers: Record<string, string> = {}): Promise<number> {
    this.buffer = '';
    const { origin, localAddress } = options;
    const allHeaders = { accept: 'text/event-stream', ...(origin ? { origin } : {}), ...options.headers, ...headers };
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: allHeaders, localAddress });
      this.request = req;
      req.on('error', (error) => {
        if (this.request === req) this.onClosed({ code: 1006, reason: error.message });
        reject(error);
      });
      req.on('response', (res) => {
        this.response = res;
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(res.statusCode ?? 0);
        }
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        const isNew = !url.includes('session=');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.parse(chunk);
          if (isNew && this.session) resolve(200);
        });
        res.on('close', () => {
          if (this.request === req) this.onClosed({ code: 1006, reason: 'the stream ended without a close event' });
        });
        if (!isNew) resolve(200);
      });
      req.end();
    });
  }

  /** Reconnects a dropped stream with the last event id (header, or query parameter). */
  async reconnect(how: 'header' | 'query' = 'header', lastEventId = this.lastEventId): Promise<number> {
    this.loseStream();
    const url = new URL(this.url);
    url.searchParams.set('session', this.session);
    if (how === 'query') url.searchParams.set('last-event-id', String(lastEventId));
    return this.open(url.href, {}, how === 'header' ? { 'last-event-id': String(lastEventId) } : {});
  }

  send(message: unknown): void {
    this.post(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBurst(messages: unknown[]): void {
    this.post(messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))).join('\n'));
  }

  sendBinary(): void {
    this.post(Buffer.from([0xff, 0xfe, 0x00]));
  }

  leave(): void {
    this.send({ type: 'leave' });
  }

  drop(): void {
    this.loseStream();
    this.onClosed({ code: 1006, reason: 'dropped' });
  }

  stopReading(): void {
    this.response?.pause();
    this.response?.socket.pause();
  }

  /** POSTs `body` after the POSTs before it; resolves with its status. */
  post(body: string | Buffer, session = this.session): Promise<number> {
    const sent = this.posting.then(() => postTo(`${this.postUrl}?session=${encodeURIComponent(session)}`, body));
    this.posting = sent.then(
      (status) => this.postStatuses.push(status),
      () => this.postStatuses.push(0),
    );
    return sent;
  }

  /** Lets go of the stream without a word, as a lost network does (the session may reconnect). */
  loseStream(): void {
    const req = this.request;
    this.request = undefined;
    req?.destroy();
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // a comment: the heartbeat
        const colon = line.indexOf(':');
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data = data ? `${data}\n${value}` : value;
        else if (field === 'id') this.lastEventId = Number(value);
      }
      if (!data) continue;
      if (event === 'session') this.session = (JSON.parse(data) as SseSessionEvent).session;
      else if (event === 'close') {
        const { code, reason } = JSON.parse(data) as SseCloseEvent;
        this.request = undefined;
        this.onClosed({ code, reason });
      } else this.receive(data);
    }
  }
}

function postTo(url: string, body: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.end(body);
  });
}

/** Connects over `transport`; returns the client. */
export function connect(
  t: TestContext,
  transport: TransportName,
  url: string,
  options: ConnectOptions = {},
): Promise<TestClient> {
  return transport === 'sse' ? SseTestClient.connect(t, url, options) : WsTestClient.connect(t, url, options);
}

/** The helpers of one transport, for a suite that runs over each. */
export function clientsOf(transport: TransportName) {
  return {
    connect: (t: TestContext, url: string, options?: ConnectOptions) => connect(t, transport, url, options),
    /** Connects and joins `room`; returns the client and its welcome. */
    joined: async (
      t: TestContext,
      url: string,
      room: string,
      fields: Record<string, unknown> = {},
      options: ConnectOptions = {},
    ) => {
      const client = await connect(t, transport, url, options);
      const welcome = await client.join(room, fields);
      return { client, welcome, id: welcome.id };
    },
  };
}

/** Connects over WebSocket and joins `room`; returns the client and its welcome. */
export async function joined(t: TestContext, url: string, room: string, fields: Record<string, unknown> = {}) {
  const client = await WsTestClient.connect(t, url);
  const welcome = await client.join(room, fields);
  return { client, welcome, id: welcome.id };
}

/** Resolves once `condition()` holds (polled); a sync point, not an assertion on timing. */
export async function waitUntil(condition: () => boolean, timeout = PATIENCE): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Relays that share rooms through one Redis (`prefix` keeps tests sharing that Redis apart). */
export async function startSharedRelays(
  t: TestContext,
  redisUrl: string,
  count: number,
  options: Omit<RelayOptions, 'port' | 'server' | 'noServer' | 'redis'> = {},
  prefix = `test-${Math.random().toString(36).slice(2)}:`,
): Promise<RunningRelay[]> {
  const relays: RunningRelay[] = [];
  for (let index = 0; index < count; index++) {
    const running = await startRelay(t, { ...options, redis: { url: redisUrl, prefix } });
    relays.push(running);
  }
  for (const { relay } of relays) await waitUntil(() => relay.readiness().ready, PATIENCE * 2);
  return relays;
}

/**
 * Whether the relay admitted `client`'s connection under the per-address caps: a message sent before
 * any join is answered (`not-joined`) only once the connection counts, and a refused one gets
 * `too-many-connections` and 1013.
 */
export async function admitted(client: TestClient): Promise<boolean> {
  client.send({ type: 'signal', to: 'nobody', data: 'am I in?' });
  const answer = await client.next();
  assert.equal(answer.type, 'error', JSON.stringify(answer));
  if (answer.type === 'error' && answer.code === 'too-many-connections') {
    assert.equal(await client.closeCode(), 1013);
    return false;
  }
  assert.equal(answer.type === 'error' && answer.code, 'not-joined');
  return true;
}

/** A connection to `url` that the relay admitted. */
export async function admittedClient(t: TestContext, transport: TransportName, url: string): Promise<TestClient> {
  const client = await connect(t, transport, url);
  assert.equal(await admitted(client), true, 'admitted');
  return client;
}

/**
 * Connects to `url` until a connection is admitted: what frees a place (a connection closed on
 * another instance, an instance found dead) reaches the shared count a moment later.
 */
export async function admittedSoon(
  t: TestContext,
  transport: TransportName,
  url: string,
  timeout = PATIENCE * 2,
): Promise<TestClient> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const client = await connect(t, transport, url);
    if (await admitted(client)) return client;
    assert.ok(Date.now() < deadline, 'the address never got a place back');
  }
}
