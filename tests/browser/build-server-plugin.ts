/**
 * A @web/test-runner plugin for the tests of the built files (tests/browser/loader.test.ts): it runs
 * relays that serve the browser build, as `npx rtc-relay` does, on their own port of 127.0.0.1, so
 * the test pages (on the runner's `localhost` origin) load the script from another origin. Each
 * server logs the paths it is asked for, and can be told to fail some with 404 (a chunk missing after
 * a deploy). Besides `/` it mounts the build under two prefixes, each with its own relay:
 * `/rtc/` (a relay behind a proxy path) and `/copy/` (a second copy of the kit on one page).
 *
 * Commands (`executeServerCommand`):
 *   build-server-start {fail?: string[]} -> {origin}    a fresh server (a fresh HTTP cache key too)
 *   build-server-requests {origin} -> string[]          the paths asked for so far, in order
 *   build-server-peers {origin, prefix} -> number       peers joined on that mount's relay ('/', '/rtc/')
 *   build-server-stop {origin}                          closes it and its relays
 *   build-files -> {[tag]: string[]}                    each element's files (scripts/pages.mjs)
 * It also serves test pages: `/__page.html?html=...` answers with that HTML.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createHttpHandler, createRelay, type Relay } from '../../relay/index.js';
import { ONE_ADDRESS_FOR_ALL } from './relay-plugin.js';
import { elementFiles } from '../../scripts/pages.mjs';

const PREFIXES = ['/rtc/', '/copy/', '/'] as const;

interface BuildServer {
  server: Server;
  requests: string[];
  relays: Map<string, Relay>;
}

export function buildServerPlugin() {
  const servers = new Map<string, BuildServer>();

  async function start(fail: readonly string[] = []): Promise<{ origin: string }> {
    const relays = new Map(
      PREFIXES.map((prefix) => [prefix, createRelay({ noServer: true, logger: false, ...ONE_ADDRESS_FOR_ALL })]),
    );
    const handlers = new Map(
      PREFIXES.map((prefix) => [prefix, createHttpHandler({ prefix, relay: relays.get(prefix) })]),
    );
    const mountOf = (url = '/') => PREFIXES.find((prefix) => url.startsWith(prefix))!;
    const requests: string[] = [];

    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://test').pathname;
      requests.push(path);
      if (fail.includes(path)) {
        res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end();
        return;
      }
      handlers.get(mountOf(req.url))!(req, res);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const mount = mountOf(req.url);
      if (new URL(req.url ?? '/', 'http://test').pathname === `${mount}signal`)
        relays.get(mount)!.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    servers.set(origin, { server, requests, relays });
    return { origin };
  }

  async function stop(origin: string): Promise<void> {
    const running = servers.get(origin);
    if (!running) return;
    servers.delete(origin);
    await Promise.all([...running.relays.values()].map((relay) => relay.close()));
    running.server.closeAllConnections();
    await new Promise((resolve) => running.server.close(resolve));
  }

  return {
    name: 'rtc-build-server',
    serve(context: { path: string; URL: URL }) {
      if (context.path !== '/__page.html') return undefined;
      return { body: context.URL.searchParams.get('html') ?? '', type: 'html' };
    },
    async serverStop() {
      await Promise.all([...servers.keys()].map(stop));
    },
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      const {
        origin = '',
        prefix = '/',
        fail,
      } = (payload ?? {}) as {
        origin?: string;
        prefix?: string;
        fail?: string[];
      };
      switch (command) {
        case 'build-server-start':
          return start(fail);
        case 'build-server-requests':
          return servers.get(origin)?.requests ?? null;
        case 'build-server-stop':
          await stop(origin);
          return true;
        case 'build-server-peers':
          return servers.get(origin)?.relays.get(prefix)?.stats().peers ?? null;
        case 'build-files':
          return elementFiles();
        default:
          return undefined; // not ours
      }
    },
  };
}
