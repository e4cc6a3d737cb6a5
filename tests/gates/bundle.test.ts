/**
 * Quality gates on what `npm run build` produced (npm test builds first): the bundle's shape and
 * size budget, and the custom elements manifest that editors and CMS tools read.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

/**
 * The budget (docs/performance.md): bytes of `gzip -9` (node's zlib, level 9) of
 * dist/rtc-elements.js, which holds everything, Lit included.
 */
const BUNDLE_BUDGET = 20_700;

function read(path: string): string {
  assert.ok(existsSync(path), `${path} is missing: run \`npm run build\` first`);
  return readFileSync(path, 'utf8');
}

const tagsInSource = [...read('components/index.ts').matchAll(/from '\.\/(rtc-[a-z-]+)\.js'/g)].map(
  (match) => match[1],
);

test(`the bundle is within its budget of ${BUNDLE_BUDGET} bytes gzip -9`, () => {
  const size = gzipSync(read('dist/rtc-elements.js'), { level: 9 }).length;
  console.log(
    `dist/rtc-elements.js: ${size} bytes gzip -9 (${BUNDLE_BUDGET - size} under the ${BUNDLE_BUDGET} budget)`,
  );
  assert.ok(
    size <= BUNDLE_BUDGET,
    `the bundle is ${size} bytes gzip -9, ${size - BUNDLE_BUDGET} over its budget of ${BUNDLE_BUDGET}: \`npm run size\` shows what each module costs`,
  );
});

test("the bundle holds none of Lit's hooks for other environments (vite.config.ts removes them)", () => {
  assert.doesNotMatch(read('dist/rtc-elements.js'), /PolyfillSupport|HydrateSupport|Versions\?\?=/);
});

test('the bundle is one self-contained ES module: no bare or relative imports', () => {
  const bundle = read('dist/rtc-elements.js');
  const imports = [...bundle.matchAll(/\bimport\s*(?:[\w${}\s,*]+from\s*)?["'`]([^"'`]+)["'`]/g)].map(
    (match) => match[1],
  );
  const dynamic = [...bundle.matchAll(/\bimport\(\s*["'`]([^"'`]+)["'`]/g)].map((match) => match[1]);
  assert.deepEqual([...imports, ...dynamic], []);
});

test('the bundle registers every element of components/index.ts, each guarded against a second definition', () => {
  const bundle = read('dist/rtc-elements.js');
  assert.ok(tagsInSource.length >= 1);
  for (const tag of tagsInSource)
    assert.ok(
      bundle.includes(`"${tag}"`) || bundle.includes(`'${tag}'`) || bundle.includes(`\`${tag}\``),
      `${tag} is not in the bundle`,
    );
  // Every define sits behind a `customElements.get(tag) ||` check (components/internal/ui/define.ts).
  const defines = bundle.match(/customElements\.define\(/g)?.length ?? 0;
  const guarded = bundle.match(/customElements\.get\([\w$]+\)\s*\|\|\s*customElements\.define\(/g)?.length ?? 0;
  assert.ok(defines > 0);
  assert.equal(guarded, defines, 'an unguarded customElements.define would throw when the bundle loads twice');
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
