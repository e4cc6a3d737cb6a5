/**
 * The relay's HTTP side: the browser bundle (loadable as a module script from any origin), the demo
 * pages, and `/healthz`. The relay mounts it on its own server in `port` mode; a host with its own
 * server can mount `createHttpHandler()` wherever it likes.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import type { StaticDirs } from './options.js';
import { PROTOCOL_VERSION } from '../protocol/signaling.js';
import type { RelayStats } from './server.js';

export interface HttpHandlerOptions {
  /** Whose numbers `/healthz` reports (zeros without one). */
  relay?: { stats(): RelayStats };
  /** Where the bundle and the demo pages are; defaults to `dist/` and `demo/` of this package. */
  staticDirs?: StaticDirs;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What `/healthz` answers. */
export interface HealthReport extends RelayStats {
  status: 'ok';
  /** Seconds since the handler was created. */
  uptime: number;
  protocol: typeof PROTOCOL_VERSION;
}

/** The only files served from `dist/` (which also holds the relay's own code). */
const BUNDLE_FILES: ReadonlySet<string> = new Set(['/rtc-elements.js', '/rtc-elements.js.map']);
/** The bundle's locale chunks (`/de-HASH.js`), which it imports when a page speaks that language. */
const LOCALE_CHUNK = /^\/[a-z]{2}-[\w-]{8}\.js(?:\.map)?$/;

/** Five minutes fresh, then revalidated with the ETag: a new release reaches pages quickly. */
const BUNDLE_CACHE_CONTROL = 'public, max-age=300';

export function createHttpHandler(options: HttpHandlerOptions = {}): HttpHandler {
  const root = packageRoot();
  const startedAt = performance.now();
  // dev mode looks files up per request instead of indexing the folder once, so a rebuilt or
  // late-built dist/ is served as it is now (never with a stale length).
  const serveBundle = sirv(resolve(options.staticDirs?.dist ?? join(root, 'dist')), {
    dev: true,
    etag: true,
    onNoMatch: (_req, res) => {
      res.removeHeader('Cache-Control');
      notFound(res);
    },
  });
  const serveDemo = sirv(resolve(options.staticDirs?.demo ?? join(root, 'demo')), {
    dev: true,
    etag: true,
    onNoMatch: (_req, res) => notFound(res),
  });

  const health = (res: ServerResponse): void => {
    const stats = options.relay?.stats() ?? { connections: 0, rooms: 0, peers: 0 };
    const uptime = Math.floor((performance.now() - startedAt) / 1000);
    const report: HealthReport = { status: 'ok', uptime, ...stats, protocol: PROTOCOL_VERSION };
    const body = JSON.stringify(report);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  return (req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      res.end();
      return;
    }
    const path = pathnameOf(req);
    if (path === '/healthz') return health(res);
    if (BUNDLE_FILES.has(path) || LOCALE_CHUNK.test(path)) {
      // Set before sirv runs so a 304 carries them too. CORS: a page on another origin loads the
      // bundle as a module script, which is a CORS request.
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cache-Control', BUNDLE_CACHE_CONTROL);
      return serveBundle(req, res);
    }
    if (isHidden(path)) return notFound(res);
    serveDemo(req, res);
  };
}

/** The folder holding this package's package.json: one level above relay/, two above dist/relay/. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 10 });
  res.end('Not Found\n');
}

/** Dotfiles (and `..` tricks), also when percent-encoded, are never served. */
function isHidden(path: string): boolean {
  try {
    return decodeURIComponent(path).includes('/.');
  } catch {
    return true; // malformed escapes: not a file of ours
  }
}

function pathnameOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
