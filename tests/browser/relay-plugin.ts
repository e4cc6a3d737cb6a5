/**
 * A @web/test-runner plugin that runs real relays on the test server's own HTTP port, so pages reach
 * them same-origin: the relay named `default` answers at `/signal` (the endpoint an element uses when
 * it has no `signaling` attribute), any other relay `NAME` at `/relays/NAME/signal`. WebSocket
 * upgrades come through the server's `upgrade` event, SSE requests through `middleware` (which the
 * config puts before the runner's own).
 *
 * Browser tests drive it with `executeServerCommand` (see tests/browser/helpers.ts):
 *   relay-start {name, options?} -> {url}   start (or restart with the same name) a relay
 *   relay-stop  {name}                      close it: its clients get 1012; upgrades get 503 meanwhile
 *   relay-stats {name}          -> RelayStats | null
 *   relay-block-websocket {name, blocked, how?}
 *                                           refuse its WebSocket upgrades (`how: 'refuse'`, as a proxy
 *                                           that breaks them does) or leave them unanswered (`'hang'`),
 *                                           and cut the WebSockets it has without a close frame
 *   relay-cut-websockets {name}             cut its WebSockets without a close frame
 *   nginx-start {mode}          -> {origin} a real nginx in front of the test server (tests/nginx.ts)
 *   nginx-stop  {origin}
 *   coturn-start {secret, tls?} -> {urls}   a real coturn on loopback taking TURN REST credentials made
 *                                           with `secret` (tests/coturn.ts), also over TLS with `tls`;
 *                                           stopped with the server
 *   token-sign {claims, secret} -> token    a join token (HS256), as a site would sign it
 *   token-endpoint {name, claims, secret, status?}
 *                               -> {url}    a site's token endpoint at /token-endpoints/NAME: each GET
 *                                           answers a fresh token with `claims` (`exp` given in seconds
 *                                           from now, as `expiresIn`), or `status` when set; set again
 *                                           to change what it answers
 *   token-endpoint-count {name} -> number   how many times it was asked
 *   redis-start                 -> {url}    a real redis-server (tests/redis.ts), one for the whole run;
 *                                           relays started with `options.redis` naming it share rooms,
 *                                           and relay-start returns once such a relay is ready
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRelay, type Relay, type RelayOptions } from '../../relay/index.js';
import { SignJWT, type JWTPayload } from 'jose';
import { startCoturn, type RunningCoturn } from '../coturn.js';
import { startNginx, type NginxMode, type RunningNginx } from '../nginx.js';
import { startRedis, type RunningRedis } from '../redis.js';

interface ServerLike {
  on(event: 'upgrade', listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
  address(): unknown;
}

/** The part of a Koa context the middleware needs. */
interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  respond?: boolean;
}

type Payload = {
  name?: string;
  options?: Partial<RelayOptions>;
  blocked?: boolean;
  how?: Blocking;
  mode?: NginxMode;
  origin?: string;
  secret?: string;
  claims?: JWTPayload & { expiresIn?: number };
  status?: number;
  tls?: boolean;
};

/** How a blocked relay meets a WebSocket upgrade. */
type Blocking = 'refuse' | 'hang';

const PREFIX = '/relays/';
const TOKEN_ENDPOINTS = '/token-endpoints/';

/** A site's token endpoint, as a test set it up. */
interface TokenEndpoint {
  claims: JWTPayload & { expiresIn?: number };
  secret: string;
  status: number | undefined;
  requests: number;
}

/** A join token signed as a site would (HS256); `expiresIn` (seconds from now) becomes `exp`. */
async function signToken({ expiresIn = 600, ...claims }: JWTPayload & { expiresIn?: number }, secret: string) {
  return new SignJWT({ exp: Math.floor(Date.now() / 1000) + expiresIn, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

/**
 * Every page of the suite connects from 127.0.0.1, so to a relay's per-address limits the whole
 * suite is one client; the limits are the relay tests' business (tests/relay/addresses.test.ts).
 */
export const ONE_ADDRESS_FOR_ALL = { maxConnectionsPerIp: 1_000_000, joinsPerMinutePerIp: 1_000_000 } as const;

interface TestRelay {
  relay: Relay;
  /** The raw sockets of its WebSockets, to cut them. */
  sockets: Set<Duplex>;
  websocketBlocked: Blocking | undefined;
}

export function relayPlugin() {
  const relays = new Map<string, TestRelay>();
  const nginxes = new Map<string, RunningNginx>();
  const coturns: RunningCoturn[] = [];
  const tokenEndpoints = new Map<string, TokenEndpoint>();
  let redis: Promise<RunningRedis> | undefined;
  let serverPort = 0;

  const pathOf = (name: string) => (name === 'default' ? '/signal' : `${PREFIX}${name}/signal`);

  function relayNameOf(req: IncomingMessage): string | undefined {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/signal') return 'default';
    if (path.startsWith(PREFIX) && path.endsWith('/signal')) return path.slice(PREFIX.length, -'/signal'.length);
    return undefined; // not ours (the runner's own /wds socket, for instance)
  }

  async function start(name: string, options: Partial<RelayOptions> = {}): Promise<{ url: string }> {
    await relays.get(name)?.relay.close();
    // Test relays are quiet; the browser sees everything it needs through the protocol.
    const relay = createRelay({ noServer: true, logger: false, ...ONE_ADDRESS_FOR_ALL, ...options });
    relays.set(name, { relay, sockets: new Set(), websocketBlocked: undefined });
    // A relay that shares rooms through Redis serves once it is in sync with it.
    for (let tries = 0; tries < 250 && !relay.readiness().ready; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { url: pathOf(name) };
  }

  async function stop(name: string): Promise<void> {
    const entry = relays.get(name);
    relays.delete(name);
    await entry?.relay.close();
  }

  function cutWebSockets(entry: TestRelay): void {
    for (const socket of entry.sockets) socket.destroy();
    entry.sockets.clear();
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const name = relayNameOf(req);
    if (name === undefined) return;
    const entry = relays.get(name);
    if (!entry) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
    entry.sockets.add(socket);
    socket.once('close', () => entry.sockets.delete(socket));
    // What the relay behind a proxy that drops the upgrade headers answers (tests/relay/nginx.test.ts).
    if (entry.websocketBlocked === 'refuse')
      return void socket.end('HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\n\r\n');
    // A proxy that holds the upgrade: no answer at all (cut with the others, or when the page goes).
    if (entry.websocketBlocked === 'hang') return;
    entry.relay.handleUpgrade(req, socket, head);
  }

  /** A GET of a token endpoint: a fresh token, or the status the test set. */
  async function answerToken(endpoint: TokenEndpoint, res: ServerResponse): Promise<void> {
    endpoint.requests++;
    if (endpoint.status !== undefined) return void res.writeHead(endpoint.status).end();
    const token = await signToken(endpoint.claims, endpoint.secret);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ token }));
  }

  /** Koa middleware: SSE requests to a relay's signaling URL go to that relay; token endpoints answer. */
  async function middleware(ctx: KoaContext, next: () => Promise<unknown>): Promise<void> {
    const path = new URL(ctx.req.url ?? '/', 'http://localhost').pathname;
    const endpoint = path.startsWith(TOKEN_ENDPOINTS) && tokenEndpoints.get(path.slice(TOKEN_ENDPOINTS.length));
    if (endpoint) {
      ctx.respond = false;
      return answerToken(endpoint, ctx.res);
    }
    const name = relayNameOf(ctx.req);
    if (name === undefined) return void (await next());
    const entry = relays.get(name);
    if (!entry) return void (await next());
    ctx.respond = false;
    entry.relay.handleRequest(ctx.req, ctx.res);
  }

  return {
    name: 'rtc-relay',
    middleware,
    async serverStart({ server }: { server?: ServerLike }) {
      server?.on('upgrade', onUpgrade);
      const address = server?.address();
      if (typeof address === 'object' && address !== null) serverPort = (address as { port: number }).port;
      await start('default');
    },
    async serverStop() {
      await Promise.all([...relays.values()].map(({ relay }) => relay.close()));
      relays.clear();
      await Promise.all([...nginxes.values()].map((nginx) => nginx.stop()));
      nginxes.clear();
      await Promise.all(coturns.map((coturn) => coturn.stop()));
      coturns.length = 0;
      await (await redis)?.stop();
    },
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      const {
        name = 'default',
        options,
        blocked = true,
        how = 'refuse',
        mode = 'naive',
        origin = '',
        secret = '',
        claims = {},
        status,
        tls = false,
      } = (payload ?? {}) as Payload;
      switch (command) {
        case 'relay-start':
          return start(name, options);
        case 'relay-stop':
          await stop(name);
          return true;
        case 'relay-stats':
          return relays.get(name)?.relay.stats() ?? null;
        case 'relay-block-websocket': {
          const entry = relays.get(name);
          if (!entry) return false;
          entry.websocketBlocked = blocked ? how : undefined;
          if (blocked) cutWebSockets(entry);
          return true;
        }
        case 'relay-cut-websockets': {
          const entry = relays.get(name);
          if (entry) cutWebSockets(entry);
          return Boolean(entry);
        }
        case 'nginx-start': {
          const nginx = await startNginx(serverPort, mode);
          nginxes.set(nginx.origin, nginx);
          return { origin: nginx.origin };
        }
        case 'nginx-stop':
          await nginxes.get(origin)?.stop();
          nginxes.delete(origin);
          return true;
        case 'coturn-start': {
          const coturn = await startCoturn(secret, { tls });
          coturns.push(coturn);
          return { urls: coturn.urls };
        }
        case 'token-sign':
          return signToken(claims, secret);
        case 'token-endpoint': {
          const requests = tokenEndpoints.get(name)?.requests ?? 0;
          tokenEndpoints.set(name, { claims, secret, status, requests });
          return { url: `${TOKEN_ENDPOINTS}${name}` };
        }
        case 'token-endpoint-count':
          return tokenEndpoints.get(name)?.requests ?? 0;
        case 'redis-start':
          redis ??= startRedis();
          return { url: (await redis).url };
        default:
          return undefined; // not ours
      }
    },
  };
}
