/**
 * The relay's HTTP side: the browser build (the loader `rtc-elements.js`, the elements' files and
 * their chunks, loadable as module scripts from any origin), the demo pages, and the operator's
 * endpoints: `/healthz` (alive), `/readyz` (ready for new clients), `/metrics` (Prometheus, when the
 * relay's `metrics` option is on). The relay mounts it on its own server in `port` mode; a host with
 * its own server can mount `createHttpHandler()` wherever it likes, also under a path prefix.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import type { StaticDirs } from './options.js';
import { PROTOCOL_VERSION } from '../protocol/signaling.js';
import type { ReadinessReport } from './readiness.js';
import type { Relay } from './server.js';
import type { RelayStats } from './stats.js';

export interface HttpHandlerOptions {
  /**
   * The relay whose health, readiness and metrics these are. Without one, `/healthz` reports zeros,
   * `/readyz` is ready and `/metrics` is 404.
   */
  relay?: Pick<Relay, 'stats' | 'readiness' | 'metrics'>;
  /** Where the build and the demo pages are; defaults to `dist/` and `demo/` of this package. */
  staticDirs?: StaticDirs;
  /**
   * The path the handler is mounted at, starting and ending with `/`: with `/rtc/` it serves
   * `/rtc/rtc-elements.js`, `/rtc/healthz` and so on, and answers 404 outside it. Default `/`. (A
   * proxy that strips its prefix before passing requests on needs none.)
   */
  prefix?: string;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What `/healthz` answers. */
export interface HealthReport extends RelayStats {
  status: 'ok';
  /** Seconds since the handler was created. */
  uptime: number;
  protocol: typeof PROTOCOL_VERSION;
}

/** What `/readyz` answers: 200 when ready, 503 when not. */
export interface ReadinessBody {
  status: 'ready' | 'not-ready';
  /** Each check by name: `'ok'`, or what is wrong. */
  checks: Record<string, string>;
}

/** The browser build's folder inside `staticDirs.dist`: only it is served, never the relay's own code beside it. */
const BROWSER_FOLDER = 'browser';

/**
 * Chunks are named by their content's hash (`chunks/room-CQDwPwIU.js`): a name never gets other
 * content, so a browser may keep one for a year without asking again.
 */
const CHUNK_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * The loader and the elements' files keep their names across releases: five minutes fresh, then
 * revalidated with the ETag, so a new release reaches pages quickly.
 */
const ENTRY_CACHE_CONTROL = 'public, max-age=300';

export function createHttpHandler(options: HttpHandlerOptions = {}): HttpHandler {
  const prefix = checkPrefix(options.prefix);
  const root = packageRoot();
  const startedAt = performance.now();
  // dev mode looks files up per request instead of indexing the folder once, so a rebuilt or
  // late-built dist/ is served as it is now (never with a stale length). The build writes each
  // script also as `.br` and `.gz` (scripts/build.mjs), sent to browsers that accept them.
  const serveBrowser = sirv(resolve(options.staticDirs?.dist ?? join(root, 'dist'), BROWSER_FOLDER), {
    dev: true,
    etag: true,
    brotli: true,
    gzip: true,
  });
  const serveDemo = sirv(resolve(options.staticDirs?.demo ?? join(root, 'demo')), {
    dev: true,
    etag: true,
    onNoMatch: (_req, res) => notFound(res),
  });

  const health = (res: ServerResponse): void => {
    const stats = options.relay?.stats() ?? {
      connections: 0,
      transports: { websocket: 0, sse: 0 },
      rooms: 0,
      peers: 0,
    };
    const uptime = Math.floor((performance.now() - startedAt) / 1000);
    const report: HealthReport = { status: 'ok', uptime, ...stats, protocol: PROTOCOL_VERSION };
    sendJson(res, 200, report);
  };

  // Readiness, not liveness: 503 tells a load balancer to send no one here for now, while /healthz
  // keeps telling an orchestrator that the process works (draining, or a Redis outage, is no reason
  // to restart it).
  const readiness = (res: ServerResponse): void => {
    const report: ReadinessReport = options.relay?.readiness() ?? { ready: true, checks: {} };
    const body: ReadinessBody = { status: report.ready ? 'ready' : 'not-ready', checks: report.checks };
    sendJson(res, report.ready ? 200 : 503, body);
  };

  const metrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const relayMetrics = options.relay?.metrics;
    if (!relayMetrics?.enabled) return notFound(res);
    if (!relayMetrics.authorizes(req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="metrics"', 'Content-Length': 0 });
      return void res.end();
    }
    const body = await relayMetrics.registry.metrics();
    res.writeHead(200, {
      'Content-Type': relayMetrics.registry.contentType,
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
    const url = req.url ?? '/';
    if (!url.startsWith(prefix)) return notFound(res);
    // Below the prefix, as if mounted at `/` (sirv reads `req.url`).
    req.url = url.slice(prefix.length - 1);
    const path = pathnameOf(req);
    if (path === '/healthz') return health(res);
    if (path === '/readyz') return readiness(res);
    if (path === '/metrics') return void metrics(req, res).catch(() => internalError(res));
    if (isHidden(path)) return notFound(res);
    // Set before sirv runs so a 304 carries them too. CORS: a page on another origin loads these as
    // module scripts (and preloads), which are CORS requests.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', path.startsWith('/chunks/') ? CHUNK_CACHE_CONTROL : ENTRY_CACHE_CONTROL);
    serveBrowser(req, res, () => {
      // Not a file of the build: a demo page, with sirv's own headers.
      res.removeHeader('Access-Control-Allow-Origin');
      res.removeHeader('Cache-Control');
      serveDemo(req, res);
    });
  };
}

/** The folder holding this package's package.json: one level above relay/, two above dist/relay/. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

function checkPrefix(prefix: unknown = '/'): string {
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || !prefix.endsWith('/')) {
    throw new TypeError(`prefix must be a path starting and ending with '/', such as '/rtc/' (got ${String(prefix)})`);
  }
  return prefix;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A metrics collector of ours that threw. */
function internalError(res: ServerResponse): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { 'Content-Length': 0 });
  res.end();
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
