/**
 * Quality gates on what `npm run build` produced (npm test builds first): each page's bytes against
 * its budget, the browser build's shape (self-contained ES modules, a chunk graph that is what the
 * files really import, the loader's map of it), and the custom elements manifest that editors and CMS
 * tools read.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { test } from 'node:test';
import { parseSync } from 'vite';
import { createRelay } from '../../relay/index.js';
import { BROWSER_DIR, BUDGETS, LOADER, elementFiles, pages, readManifest } from '../../scripts/pages.mjs';

function read(path: string): string {
  assert.ok(existsSync(path), `${path} is missing: run \`npm run build\` first`);
  return readFileSync(path, 'utf8');
}

const tagsInSource = [...read('components/index.ts').matchAll(/from '\.\/(rtc-[a-z-]+)\.js'/g)].map(
  (match) => match[1],
);

/** Every JavaScript file of the browser build, relative to it (`chunks/room-CQDwPwIU.js`). */
function builtFiles(): string[] {
  return readdirSync(BROWSER_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js') && !file.startsWith('.'))
    .map((file) => file.split('\\').join('/'))
    .sort();
}

/** What `file` imports: its static imports and re-exports, and its dynamic imports of a literal. */
function importsOf(file: string): { static: string[]; dynamic: string[]; computed: number } {
  const code = read(join(BROWSER_DIR, file));
  const { module } = parseSync(file, code);
  const sources = [
    ...module.staticImports.map((entry) => entry.moduleRequest.value),
    ...module.staticExports.flatMap((entry) => entry.entries.flatMap((part) => part.moduleRequest?.value ?? [])),
  ];
  const dynamic = module.dynamicImports.map((entry) => code.slice(entry.moduleRequest.start, entry.moduleRequest.end));
  const literal = dynamic.filter((source) => /^(["'`]).*\1$/.test(source)).map((source) => source.slice(1, -1));
  return { static: [...new Set(sources)], dynamic: literal, computed: dynamic.length - literal.length };
}

/** `specifier` as imported from `file`, relative to the build's folder. */
function resolveFrom(file: string, specifier: string): string {
  return posix.normalize(posix.join(dirname(file), specifier));
}

for (const page of pages()) {
  const what = page.name === 'loader' ? 'the loader' : `the <${page.name}> page`;
  test(`${what} downloads at most its budget of ${page.budget?.toLocaleString('en-US')} bytes gzip -9`, () => {
    const files = page.files.map((file) => `${file.file} ${file.gzip}`).join(', ');
    console.log(`${what}: ${page.gzip} bytes gzip -9 (${files})`);
    assert.ok(page.budget, `${page.name} has no budget: add one to BUDGETS in scripts/pages.mjs`);
    assert.ok(
      page.gzip <= page.budget,
      `${what} downloads ${page.gzip} bytes gzip -9, ${page.gzip - page.budget} over its budget of ${page.budget} (${files}): \`npm run size\` shows what each module costs`,
    );
  });
}

test('every element of components/index.ts has a page and a budget, and the loader knows its files', () => {
  const files = elementFiles();
  assert.deepEqual(Object.keys(files).sort(), [...tagsInSource].sort());
  assert.deepEqual(Object.keys(BUDGETS).sort(), ['loader', ...tagsInSource].sort());
  const loader = read(join(BROWSER_DIR, LOADER));
  for (const [tag, list] of Object.entries(files)) {
    assert.ok(loader.includes(`"${tag}"`), `the loader does not know <${tag}>`);
    for (const file of list) assert.ok(loader.includes(file), `the loader does not know ${file} of <${tag}>`);
  }
});

test('a page loads no code it does not run: no Room core for the camera, no media for the data channel', () => {
  const text = (name: string) =>
    pages()
      .find((page) => page.name === name)!
      .files.map((file) => read(join(BROWSER_DIR, file.file)))
      .join('\n');
  const camera = text('rtc-camera');
  assert.ok(camera.includes('getUserMedia'));
  for (const core of ['RTCPeerConnection', 'WebSocket', 'createDataChannel'])
    assert.ok(!camera.includes(core), `the <rtc-camera> page downloads ${core} code`);
  const datachannel = text('rtc-datachannel');
  assert.ok(datachannel.includes('RTCPeerConnection'));
  for (const media of ['getUserMedia', 'MediaRecorder', 'aria-pressed'])
    assert.ok(!datachannel.includes(media), `the <rtc-datachannel> page downloads ${media} code`);
});

test('the browser build is self-contained: every import is relative and resolves to a file of the build', () => {
  const files = builtFiles();
  assert.ok(files.includes(LOADER) && files.includes('all.js') && files.some((file) => file.startsWith('chunks/')));
  for (const file of files) {
    const imports = importsOf(file);
    for (const specifier of [...imports.static, ...imports.dynamic]) {
      assert.match(specifier, /^\.\.?\//, `${file} imports "${specifier}", which is not relative`);
      assert.ok(
        files.includes(resolveFrom(file, specifier)),
        `${file} imports ${specifier}, which is not in the build`,
      );
    }
    // Only the loader imports computed URLs (the elements' files, from its map).
    if (file !== LOADER) assert.equal(imports.computed, 0, `${file} has a dynamic import of a computed URL`);
  }
  assert.deepEqual(importsOf(LOADER).static, [], 'the loader is one file, with no static imports');
});

test("the manifest's chunk graph is what the files import (the pages' sums count what a browser fetches)", () => {
  const manifest = readManifest();
  const fileOf = (key: string) => manifest[key]!.file;
  for (const chunk of Object.values(manifest)) {
    const declared = (chunk.imports ?? []).map(fileOf).sort();
    const real = importsOf(chunk.file).static.map((specifier) => resolveFrom(chunk.file, specifier));
    assert.deepEqual([...new Set(real)].sort(), [...new Set(declared)].sort(), chunk.file);
  }
});

test('the relay serves every file of the build (scripts as the build compressed them) with CORS, chunks with a year-long immutable cache, the rest with 5 minutes', async (t) => {
  const relay = createRelay({ port: 0, logger: false });
  t.after(() => relay.close());
  await relay.ready;
  const files = readdirSync(BROWSER_DIR, { recursive: true, encoding: 'utf8' }).filter(
    (file) => /\.js(\.map)?$/.test(file) && !file.startsWith('.'),
  );
  for (const file of files) {
    const response = await fetch(`http://127.0.0.1:${relay.port}/${file}`, {
      headers: { 'Accept-Encoding': 'br' },
    });
    assert.equal(response.status, 200, file);
    // fetch() decodes the build's brotli copy: it must be the script itself.
    assert.equal(await response.text(), read(join(BROWSER_DIR, file)), file);
    assert.equal(response.headers.get('content-encoding'), file.endsWith('.js') ? 'br' : null, file);
    assert.equal(response.headers.get('access-control-allow-origin'), '*', file);
    const cache = file.startsWith('chunks/') ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
    assert.equal(response.headers.get('cache-control'), cache, file);
  }
  const manifest = await fetch(`http://127.0.0.1:${relay.port}/.vite/manifest.json`);
  assert.equal(manifest.status, 404);
});

test("no file holds Lit's hooks for other environments (vite.config.ts removes them)", () => {
  for (const file of builtFiles())
    assert.doesNotMatch(read(join(BROWSER_DIR, file)), /PolyfillSupport|HydrateSupport|Versions\?\?=/, file);
});

test('every element definition is guarded against a second one (two copies on a page do not throw)', () => {
  const code = builtFiles()
    .map((file) => read(join(BROWSER_DIR, file)))
    .join('\n');
  // Every define sits behind a `customElements.get(tag) ||` check (components/internal/ui/define.ts).
  const defines = code.match(/customElements\.define\(/g)?.length ?? 0;
  const guarded = code.match(/customElements\.get\([\w$]+\)\s*\|\|\s*customElements\.define\(/g)?.length ?? 0;
  assert.ok(defines > 0);
  assert.equal(guarded, defines, 'an unguarded customElements.define would throw when a second copy loads');
});

test('custom-elements.json describes every element with its attributes, events and parts', () => {
  const manifest = JSON.parse(read('custom-elements.json')) as {
    modules: {
      declarations?: {
        tagName?: string;
        attributes?: unknown[];
        events?: unknown[];
        cssParts?: unknown[];
        summary?: string;
      }[];
      exports?: { kind: string; name: string }[];
    }[];
  };
  const declarations = manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .filter((declaration) => declaration.tagName);
  assert.deepEqual(declarations.map((declaration) => declaration.tagName).sort(), [...tagsInSource].sort());
  for (const declaration of declarations) {
    assert.ok(declaration.summary, `${declaration.tagName} has no @summary`);
    assert.ok(declaration.attributes?.length, `${declaration.tagName} documents no attributes`);
    assert.ok(declaration.events?.length, `${declaration.tagName} documents no events`);
  }
  // Tools map a tag to its class through these (custom-elements-manifest.config.mjs records them).
  const definitions = manifest.modules
    .flatMap((module) => module.exports ?? [])
    .filter((entry) => entry.kind === 'custom-element-definition');
  assert.deepEqual(definitions.map((definition) => definition.name).sort(), [...tagsInSource].sort());
  const pkg = JSON.parse(read('package.json')) as { customElements?: string };
  assert.equal(pkg.customElements, 'custom-elements.json');
});
