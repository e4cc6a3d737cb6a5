import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { packageRoot } from '../../relay/http.js';
import { joined, startRelay } from './helpers.js';

/** A throwaway dist/ and demo/ so these tests do not depend on a build. */
function fixtureDirs(t: TestContext): { dist: string; demo: string } {
  const root = mkdtempSync(join(tmpdir(), 'rtc-relay-http-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dist = join(root, 'dist');
  const demo = join(root, 'demo');
  mkdirSync(join(dist, 'relay'), { recursive: true });
  mkdirSync(demo);
  writeFileSync(join(dist, 'rtc-elements.js'), 'export const hello = 1;\n');
  writeFileSync(join(dist, 'rtc-elements.js.map'), '{"version":3}');
  writeFileSync(join(dist, 'relay', 'server.js'), '// not for the web');
  writeFileSync(join(demo, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(demo, 'call.html'), '<!doctype html><title>call</title>');
  writeFileSync(join(demo, '.env'), 'SECRET=1');
  return { dist, demo };
}

test('GET / serves the demo index page', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const response = await fetch(`${origin}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await response.text(), /<title>demo<\/title>/);
  assert.match(await (await fetch(`${origin}/call.html`)).text(), /<title>call<\/title>/);
});

test('the bundle is served as JavaScript, cacheable, with CORS for module scripts on other origins', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const response = await fetch(`${origin}/rtc-elements.js`, { headers: { Origin: 'https://elsewhere.example.org' } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(await response.text(), 'export const hello = 1;\n');

  const etag = response.headers.get('etag');
  assert.ok(etag, 'an ETag for revalidation');
  const revalidated = await fetch(`${origin}/rtc-elements.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.headers.get('access-control-allow-origin'), '*');

  const map = await fetch(`${origin}/rtc-elements.js.map`);
  assert.equal(map.status, 200);
  assert.equal(map.headers.get('access-control-allow-origin'), '*');
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

test('unknown paths, the relay code in dist/ and dotfiles are 404', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  for (const path of ['/nope', '/relay/server.js', '/dist/relay/server.js', '/.env', '/%2eenv', '/../package.json']) {
    const response = await fetch(`${origin}${path}`);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
});

test('HEAD works and other methods get 405 with Allow', async (t) => {
  const { origin } = await startRelay(t, { staticDirs: fixtureDirs(t) });
  const head = await fetch(`${origin}/rtc-elements.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '24');
  assert.equal((await fetch(`${origin}/healthz`, { method: 'HEAD' })).status, 200);

  const post = await fetch(`${origin}/`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('the package root is found from relay/ and from dist/relay/', () => {
  const root = packageRoot();
  assert.equal(packageRoot(join(root, 'relay')), root);
  assert.equal(packageRoot(join(root, 'dist', 'relay')), root);
});
