#!/usr/bin/env node
// `npm run size`: where the bytes of dist/rtc-elements.js come from (run `npm run build` first).
//
// Prints the bundle's gzip -9 size against the budget, then one line per source module: the
// minified characters the source map attributes to it, and those gzipped on their own. A module's
// own gzip overstates its share of the whole (gzip finds repeats across modules), so the column adds
// up to more than the total; use it to compare modules, and the total to judge a change.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { decode } from '@jridgewell/sourcemap-codec';

const BUNDLE = 'dist/rtc-elements.js';
const BUDGET = 40_000; // interim, as in tests/gates/bundle.test.ts
const gzip = (text) => gzipSync(text, { level: 9 }).length;

if (!existsSync(`${BUNDLE}.map`)) {
  console.error(`${BUNDLE}.map is missing: run \`npm run build\` first.`);
  process.exit(1);
}
const file = readFileSync(BUNDLE);
const code = file.toString('utf8');
const map = JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8'));
const lines = code.split('\n');

// Each mapping segment runs from its column to the next segment's (or the line's end).
const pieces = new Map();
decode(map.mappings).forEach((segments, index) => {
  const line = lines[index] ?? '';
  segments.forEach((segment, i) => {
    const end = segments[i + 1]?.[0] ?? line.length;
    const source =
      segment.length > 1
        ? map.sources[segment[1]].replace(/^(\.\.\/)+/, '').replace(/^node_modules\//, '')
        : '(unmapped)';
    pieces.set(source, (pieces.get(source) ?? '') + line.slice(segment[0], end));
  });
});

const total = gzip(file);
const verdict = total <= BUDGET ? `${BUDGET - total} under` : `${total - BUDGET} over`;
console.log(`${BUNDLE}: ${file.length} bytes minified, ${total} bytes gzip -9 (${verdict} the ${BUDGET} budget)\n`);
console.log(`${'minified'.padStart(9)} ${'own gzip'.padStart(9)}  module`);
const rows = [...pieces].map(([source, text]) => [source, text.length, gzip(text)]).sort((a, b) => b[1] - a[1]);
for (const [source, raw, zipped] of rows)
  console.log(`${String(raw).padStart(9)} ${String(zipped).padStart(9)}  ${source}`);
