// What a page downloads, read from the browser build's own module graph: vite's manifest of the
// elements build (dist/browser/.vite/manifest.json). One home for it, shared by the loader's build
// (its tag -> files map, vite.loader.config.ts), the budget gate (tests/gates/pages.test.ts),
// `npm run size` and the bench.
//
// A page that uses one element downloads the loader, the element's module (its entry file) and every
// chunk that module imports, directly or through another chunk. Each file is gzipped on its own
// (node's zlib, level 9), as a server compresses each response, and the page's bytes are their sum.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The browser build: every file in it is for browsers, and the relay serves all of them. */
export const BROWSER_DIR = 'dist/browser';

/** The one script tag's file, in BROWSER_DIR. */
export const LOADER = 'rtc-elements.js';

/**
 * Bytes of gzip -9 each page may download, loader included (docs/performance.md). `loader` is the
 * loader alone; the others are the pages that use that one element.
 */
export const BUDGETS = {
  loader: 1_200,
  // Over issue 11's budgets (13,000, 15,000, 17,000 and 24,000 B, at most 26,000 B for the call): those
  // were set before the features issues 12 to 18 asked of every page (docs/performance.md, "Pages over
  // their budgets", says what each page's bytes buy and what structure could still take off). Each
  // page is held at its measured figure, so nothing grows unnoticed: a change that adds bytes raises
  // its figure here, in its own commit, and says what the bytes buy. Issue 11's budgets stay the goal.
  'rtc-camera': 13_950,
  'rtc-datachannel': 16_760,
  'rtc-chat': 24_110,
  'rtc-call': 31_960,
  // The element and its texts; its checks, the signaling client and capture load when a run starts
  // (docs/performance.md, "The <rtc-doctor> page").
  'rtc-doctor': 15_500,
};

/** gzip -9 of `bytes`, as the budgets count it. */
export function gzipSize(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}

/** vite's manifest of the elements build; a clear stop when the build has not run. */
export function readManifest(dir = BROWSER_DIR) {
  const path = join(dir, '.vite', 'manifest.json');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * Each element's files, relative to BROWSER_DIR: its module first, then every chunk it imports
 * (statically, at any depth), in the order they are first reached. Elements are the entries named
 * after their tag (`components/rtc-camera.ts`); `all.js` is not one.
 */
export function elementFiles(manifest = readManifest()) {
  const files = {};
  for (const [key, entry] of Object.entries(manifest)) {
    const tag = key.match(/^components\/(rtc-[a-z-]+)\.ts$/)?.[1];
    if (entry.isEntry && tag) files[tag] = [entry.file, ...importedFiles(manifest, key)];
  }
  return files;
}

function importedFiles(manifest, key) {
  const seen = new Set();
  const visit = (from) => {
    for (const imported of manifest[from].imports ?? []) {
      if (seen.has(imported)) continue;
      seen.add(imported);
      visit(imported);
    }
  };
  visit(key);
  return [...seen].map((imported) => manifest[imported].file);
}

/**
 * Every page with its files, their sizes and its budget: the loader's own page, then one per element.
 * Each file: `{file, bytes, gzip}` (bytes as built, gzip -9 of it alone).
 */
export function pages(dir = BROWSER_DIR) {
  const size = (file) => {
    const bytes = readFileSync(join(dir, file));
    return { file, bytes: bytes.length, gzip: gzipSize(bytes) };
  };
  const loader = size(LOADER);
  const page = (name, files) => ({
    name,
    files,
    gzip: files.reduce((sum, file) => sum + file.gzip, 0),
    budget: BUDGETS[name],
  });
  const elements = Object.entries(elementFiles(readManifest(dir))).sort(([a], [b]) => a.localeCompare(b));
  return [page('loader', [loader]), ...elements.map(([tag, files]) => page(tag, [loader, ...files.map(size)]))];
}
