import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { test, type TestContext } from 'node:test';
import { createHttpHandler, packageRoot } from '../../relay/http.js';
import { WsTestClient, joined, startRelay } from './helpers.js';
import { NGINX, startNginx } from './nginx.js';

const ENTRY_CACHE = 'public, max-age=300';
const CHUNK_CACHE = 'public, max-age=31536000, immutable';

/** The files of a build as `npm run build` lays them out, so these tests do not depend on a build. */
const BUILD = {
  'browser/rtc-elements.js': 'export const loader = 1;\n',
  'browser/rtc-elements.js.map': '{"version":3}',
  'browser/all.js': 'import "./chunks/lit-Ab12Cd34.js";\n',
  'browser/rtc-camera.js': 'export * from "./chunks/rtc-camera-Ef56Gh78.js";\n',
  'browser/chunks/lit-Ab12Cd34.js': 'export const lit = 1;\n',
  'browser/chunks/lit-Ab12Cd34.js.map': '{"version":3}',
  'browser/chunks/rtc-camera-Ef56Gh78.js': 'export const camera = 1;\n',
  'browser/.vite/manifest.json': '{}',
  'relay/server.js': '// not for the web',
  'components/index.js': "import 'lit';",
};

/** A throwaway dist/ (BUILD) and demo/. */
function fixtureDirs(t: TestContext): { dist: string; demo: string } {
  const root = mkdtempSync(join(tmpdir(), 'rtc-relay-http-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dist = join(root, 'dist');
  const demo = join(root, 'demo');
  for (const [file, text] of Object.entries(BUILD)) {
    mkdirSync(join(dist, file, '..'), { recursive: true });
    writeFileSync(join(dist, file), text);
  }
  // The build's compressed copies, for one chunk (scripts/build.mjs writes them for every script).
  const chunk = 'browser/chunks/rtc-camera-Ef56Gh78.js';
  writeFileSync(join(dist, `${chunk}.br`), brotliCompressSync(BUILD[chunk]));
  writeFileSync(join(dist, `${chunk}.gz`), gzipSync(BUILD[chunk]));
  mkdirSync(demo);
  writeFileSync(join(demo, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(demo, 'call.html'), '<!doctype html><title>call</title>');
  writeFileSync(join(demo, '.env'), 'SECRET=1');
  return { dist, demo };
}

const ENTRIES = ['/rtc-elements.js', '/rtc-elements.js.map', '/all.js', '/rtc-camera.js'];
const CHUNKS = ['/chunks/lit-Ab12Cd34.js', '/chunks/lit-Ab12Cd34.js.map', '/chunks/rtc-camera-Ef56Gh78.js'];

/**
 * Checks what a page on another origin gets for each file of the build at `base` (an origin, and a
 * prefix): the file, CORS, the cache for its kind, and the same headers on a revalidation.
 */
async function assertServesBuild(base: string): Promise<void> {
  const cases = [
    ...ENTRIES.map((path) => ({ path, cache: ENTRY_CACHE })),
    ...CHUNKS.map((path) => ({ path, cache: CHUNK_CACHE })),
  ];
  for (const { path, cache } of cases) {
    const response = await fetch(`${base}${path}`, { headers: { Origin: 'https://elsewhere.example.org' } });
    assert.equal(response.status, 200, path);
    assert.equal(await response.text(), BUILD[`browser${path}` as keyof typeof BUILD], path);
    assert.match(response.headers.get('content-type') ?? '', path.endsWith('.js') ? /^text\/javascript/ : /json/, path);
    assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
    assert.equal(response.headers.get('cache-control'), cache, path);

    const etag = response.headers.get('etag');
    assert.ok(etag, `${path}: an ETag for revalidation`);
    const revalidated = await fetch(`${base}${path}`, { headers: { 'If-None-Match': etag } });
    assert.equal(revalidated.status, 304, path);
    assert.equal(revalidated.headers.get('access-control-allow-origin'), '*', path);
    assert.equal(revalidated.headers.get('cache-control'), cache, path);
  }
}

test('GET / serves the demo index page', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const response = await fetch(`${origin}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(response.headers.get('access-control-allow-origin'), null, 'demo pages are not for other origins');
  assert.match(await response.text(), /<title>demo<\/title>/);
  assert.match(await (await fetch(`${origin}/call.html`)).text(), /<title>call<\/title>/);
});

test('the loader and entry files are served with CORS and a 5-minute cache, chunks with a year-long immutable one; revalidations keep them', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  await assertServesBuild(origin);
});

test("a browser that accepts brotli or gzip gets the build's compressed copy, with the same CORS and cache", async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const path = '/chunks/rtc-camera-Ef56Gh78.js';
  for (const [accepts, encoding] of [
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['identity', null],
  ] as const) {
    // fetch() decodes what it asked for itself: the text is the script whatever the encoding.
    const response = await fetch(`${origin}${path}`, { headers: { 'Accept-Encoding': accepts } });
    assert.equal(response.headers.get('content-encoding'), encoding, accepts);
    assert.equal(await response.text(), BUILD[`browser${path}`], accepts);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/, accepts);
    assert.equal(response.headers.get('cache-control'), CHUNK_CACHE, accepts);
    assert.equal(response.headers.get('access-control-allow-origin'), '*', accepts);
    if (encoding) assert.equal(response.headers.get('vary'), 'Accept-Encoding', accepts);
  }
});

test('GET /healthz reports status, uptime, counts and the protocol version', async (t) => {
  const { origin, url } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  await joined(t, url, 'room');
  await joined(t, url, 'room');
  const response = await fetch(`${origin}/healthz`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const health = (await response.json()) as Record<string, unknown>;
  assert.equal(typeof health.uptime, 'number');
  assert.deepEqual(
    { ...health, uptime: 0 },
    {
      status: 'ok',
      uptime: 0,
      connections: 2,
      transports: { websocket: 2, sse: 0 },
      rooms: 1,
      peers: 2,
      protocol: 1,
    },
  );
});

test("only the browser build is served from dist/: the relay's code, tsc's modules, the vite manifest and dotfiles are 404", async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const paths = [
    '/nope',
    '/chunks/nope-Zz99Zz99.js',
    '/relay/server.js',
    '/browser/rtc-elements.js',
    '/dist/relay/server.js',
    '/components/index.js',
    '/.vite/manifest.json',
    '/%2evite/manifest.json',
    '/.env',
    '/%2eenv',
    '/../package.json',
    '/chunks/../../relay/server.js',
    '/chunks/%2e%2e/%2e%2e/relay/server.js',
  ];
  for (const path of paths) {
    const response = await fetch(`${origin}${path}`);
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('access-control-allow-origin'), null, path);
    await response.body?.cancel();
  }
});

test('HEAD works and other methods get 405 with Allow', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const head = await fetch(`${origin}/rtc-elements.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(BUILD['browser/rtc-elements.js'].length));
  assert.equal((await fetch(`${origin}/healthz`, { method: 'HEAD' })).status, 200);

  const post = await fetch(`${origin}/`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('createHttpHandler under a prefix serves the build, the demo and /healthz below it, and nothing outside it', async (t) => {
  const handler = createHttpHandler({ staticDirs: fixtureDirs(t), prefix: '/rtc/' });
  // A host's own server: its pages under /app/, everything else to the relay's handler.
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/app/')) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('the host');
    else handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  await assertServesBuild(`${origin}/rtc`);
  assert.match(await (await fetch(`${origin}/rtc/`)).text(), /<title>demo<\/title>/);
  assert.equal(((await (await fetch(`${origin}/rtc/healthz`)).json()) as { status: string }).status, 'ok');
  assert.equal(await (await fetch(`${origin}/app/`)).text(), 'the host');
  for (const path of [
    '/rtc-elements.js',
    '/chunks/lit-Ab12Cd34.js',
    '/healthz',
    '/',
    '/rtc',
    '/rtc/.vite/manifest.json',
  ]) {
    const response = await fetch(`${origin}${path}`);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
});

test('a prefix that does not start and end with a slash is refused up front, naming the option', () => {
  for (const prefix of ['rtc/', '/rtc', '', 7]) {
    assert.throws(() => createHttpHandler({ prefix: prefix as string }), { name: 'TypeError', message: /^prefix / });
  }
});

test(
  'behind nginx at /rtc/, a page gets the loader, the entry files and the chunks with their CORS and cache headers, and reaches /rtc/signal',
  { skip: NGINX ? false : 'nginx is not installed' },
  async (t) => {
    const { relay } = await startRelay(t, { staticDirs: fixtureDirs(t) });
    // The usual mount: the prefix is stripped (`proxy_pass` ending in `/`), and upgrades pass through.
    const origin = await startNginx(
      t,
      `location /rtc/ {
        proxy_pass http://127.0.0.1:${relay.port}/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
      }`,
    );
    await assertServesBuild(`${origin}/rtc`);
    // `signal` beside the loader: where an element with no `signaling` attribute connects.
    const client = await WsTestClient.connect(
      t,
      new URL('signal', `${origin.replace('http', 'ws')}/rtc/rtc-elements.js`).href,
    );
    client.send({ type: 'join', room: 'standup' });
    assert.equal((await client.next()).type, 'welcome');
  },
);

test('the package root is found from relay/ and from dist/relay/', () => {
  const root = packageRoot();
  assert.equal(packageRoot(join(root, 'relay')), root);
  assert.equal(packageRoot(join(root, 'dist', 'relay')), root);
});
