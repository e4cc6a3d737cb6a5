/**
 * Small helpers for the relay tests: a real relay on port 0 and real `ws` clients, both closed when
 * the test ends (registered with `t.after`), and a client that buffers what it receives so a test
 * can read messages one by one without racing the socket.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import { createRelay, type Relay, type RelayOptions } from '../../relay/index.js';
import type { ErrorCode, ErrorMessage, ServerMessage, WelcomeMessage } from '../../protocol/signaling.js';

/** How long a test waits for something that should happen; generous, never asserted on. */
export const PATIENCE = 3000;

export interface RunningRelay {
  relay: Relay;
  /** ws://127.0.0.1:PORT/signal */
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

/** A `ws` client that keeps every message it receives until the test reads it. */
export class TestClient {
  readonly socket: WebSocket;
  readonly closed: Promise<Closed>;
  private readonly inbox: ServerMessage[] = [];
  private wake: (() => void) | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('error', () => {}); // a refused or cut connection shows up as `closed`
    socket.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the relay sends text frames only');
      this.inbox.push(JSON.parse(String(data)) as ServerMessage);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.wake?.();
      });
    });
  }

  /** Opens a connection (closed after the test). */
  static async connect(t: TestContext, url: string, options?: ClientOptions): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    const client = new TestClient(socket);
    t.after(() => socket.terminate());
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Sends a message object as JSON, or a string as it is. */
  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Whether a message is waiting to be read. */
  hasMessage(): boolean {
    return this.inbox.length > 0;
  }

  /** The next message received; fails the test if none comes in time or the socket closes first. */
  async next(timeout = PATIENCE): Promise<ServerMessage> {
    const deadline = Date.now() + timeout;
    while (this.inbox.length === 0) {
      if (this.socket.readyState === WebSocket.CLOSED)
        throw new Error('the connection closed while a message was expected');
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
    return this.inbox.shift() as ServerMessage;
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

  /** The close code, once the relay closed the connection. */
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
}

/** Connects and joins `room`; returns the client and its welcome. */
export async function joined(t: TestContext, url: string, room: string, fields: Record<string, unknown> = {}) {
  const client = await TestClient.connect(t, url);
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
