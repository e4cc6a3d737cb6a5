#!/usr/bin/env node
// `npm run size`: what each page downloads, and where those bytes come from (run `npm run build`
// first).
//
// First each page against its budget (scripts/pages.mjs: gzip -9 of each file, summed over the files
// a page that uses one element downloads, loader included), with its files. Then, for every file of
// the build, one line per source module: the minified characters the source map attributes to it,
// and those gzipped on their own. A module's own gzip overstates its share of its file (gzip finds
// repeats across modules), so the column adds up to more than the file; use it to compare modules,
// and the pages' totals to judge a change.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '@jridgewell/sourcemap-codec';
import { BROWSER_DIR, gzipSize, pages } from './pages.mjs';

const number = (value) => value.toLocaleString('en-US');
const column = (value, width = 8) => number(value).padStart(width);

let all;
try {
  all = pages();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

for (const page of all) {
  const title = page.name === 'loader' ? 'the loader alone' : `<${page.name}> page`;
  const left = page.budget - page.gzip;
  const verdict = left >= 0 ? `${number(left)} under` : `${number(-left)} over`;
  console.log(`${title}: ${number(page.gzip)} B gzip -9 (${verdict} its ${number(page.budget)} B budget)`);
  for (const file of page.files) console.log(`${column(file.gzip)}  ${file.file}`);
  console.log('');
}

console.log(`What each module adds to its file (minified characters, and those gzipped alone):\n`);
const files = [...new Set(all.flatMap((page) => page.files.map((file) => file.file)))];
for (const file of files) {
  const code = readFileSync(join(BROWSER_DIR, file), 'utf8');
  console.log(`${file}: ${number(code.length)} minified, ${number(gzipSize(code))} B gzip -9`);
  const modules = modulesOf(file, code);
  if (modules.length === 0) console.log('         (re-exports another file; no source map)');
  for (const [source, text] of modules) console.log(`${column(text.length)} ${column(gzipSize(text))}  ${source}`);
  console.log('');
}

/** [source, the characters mapped to it] of `file`, largest first, from its source map. */
function modulesOf(file, code) {
  const mapPath = join(BROWSER_DIR, `${file}.map`);
  if (!existsSync(mapPath)) return [];
  const map = JSON.parse(readFileSync(mapPath, 'utf8'));
  const lines = code.split('\n');
  const pieces = new Map();
  const add = (source, text) => pieces.set(source, (pieces.get(source) ?? '') + text);
  // Each mapping segment runs from its column to the next segment's, or on to the next line that has
  // one: a template literal's later lines (an element's CSS, kept as written) have no segment.
  let current = '(unmapped)';
  for (const [index, segments] of decode(map.mappings).entries()) {
    const line = lines[index] ?? '';
    add(current, line.slice(0, segments[0]?.[0] ?? line.length));
    for (const [position, segment] of segments.entries()) {
      const end = segments[position + 1]?.[0] ?? line.length;
      current =
        segment.length > 1
          ? map.sources[segment[1]].replace(/^(\.\.\/)+/, '').replace(/^node_modules\//, '')
          : '(unmapped)';
      add(current, line.slice(segment[0], end));
    }
  }
  return [...pieces].sort((a, b) => b[1].length - a[1].length);
}
