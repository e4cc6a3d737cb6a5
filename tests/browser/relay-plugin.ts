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
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRelay, type Relay, type RelayOptions } from '../../relay/index.js';
import { startNginx, type NginxMode, type RunningNginx } from '../nginx.js';

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
};

/** How a blocked relay meets a WebSocket upgrade. */
type Blocking = 'refuse' | 'hang';

const PREFIX = '/relays/';

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
    relays.set(name, {
      relay: createRelay({ noServer: true, logger: false, ...ONE_ADDRESS_FOR_ALL, ...options }),
      sockets: new Set(),
      websocketBlocked: undefined,
    });
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

  /** Koa middleware: SSE requests to a relay's signaling URL go to that relay. */
  async function middleware(ctx: KoaContext, next: () => Promise<unknown>): Promise<void> {
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
    },
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      const {
        name = 'default',
        options,
        blocked = true,
        how = 'refuse',
        mode = 'naive',
        origin = '',
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
        default:
          return undefined; // not ours
      }
    },
  };
}
