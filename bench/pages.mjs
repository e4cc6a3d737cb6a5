// 1. What a page downloads: for each element, the loader and every file of the element's chunk graph,
// each gzipped on its own (-9) and summed (scripts/pages.mjs, as the budget gate counts them). The
// baseline is PeerJS's own script-tag build (dist/peerjs.min.js, what a page loads from a CDN),
// gzip -9: a peer-to-peer library with data channels and media calls, and no UI. It is compared with
// the pages that do what it does: the data channel page (no UI either) and the call page (with its
// UI). For bundler users, results.json also has PeerJS's ESM build bundled by esbuild, and each
// page's brotli bytes (what the relay sends a browser that accepts it).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BROWSER_DIR, gzipSize, pages as pagesOfBuild } from '../scripts/pages.mjs';
import { row } from './lib.mjs';

const PEERJS_SCRIPT = 'node_modules/peerjs/dist/peerjs.min.js';

/** PeerJS as an application's bundler ships it: esbuild (bundle, minify, ESM, browser). */
async function peerjsBundled() {
  const result = await build({
    stdin: { contents: `export * from 'peerjs';`, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

export async function pages({ log }) {
  const peerjsVersion = JSON.parse(readFileSync('node_modules/peerjs/package.json', 'utf8')).version;
  const script = readFileSync(PEERJS_SCRIPT);
  const bundled = await peerjsBundled();
  const peerjs = {
    version: peerjsVersion,
    script: { file: PEERJS_SCRIPT, min: script.length, gzip: gzipSize(script) },
    esbuild: { min: bundled.length, gzip: gzipSize(bundled) },
  };
  // What the relay sends a browser that accepts brotli: the build's .br copies (scripts/build.mjs).
  const brotli = (file) => statSync(join(BROWSER_DIR, `${file}.br`)).size;
  const ours = pagesOfBuild().map((page) => ({
    name: page.name,
    gzip: page.gzip,
    brotli: page.files.reduce((sum, file) => sum + brotli(file.file), 0),
    budget: page.budget,
    files: page.files,
  }));
  for (const page of ours)
    log(`${page.name}: ${page.gzip} B gzip -9 (${page.brotli} B brotli) in ${page.files.length} files`);
  log(
    `peerjs ${peerjsVersion}: ${peerjs.script.gzip} B gzip -9 (dist/peerjs.min.js), ${peerjs.esbuild.gzip} B as bundled by esbuild`,
  );

  const baselineFor = new Set(['rtc-datachannel', 'rtc-call']);
  const rows = ours.map((page) => {
    const figure = page.name === 'loader' ? 'loader, gzip -9' : `<${page.name}> page, gzip -9`;
    const goal = `<= ${page.budget.toLocaleString('en-US')} B`;
    const compared = baselineFor.has(page.name);
    return row(
      figure,
      'B',
      page.gzip,
      compared ? peerjs.script.gzip : null,
      compared ? `peerjs ${peerjsVersion} script, no UI` : 'none',
      goal,
      page.gzip <= page.budget,
    );
  });
  return { rows, details: { pages: ours, peerjs } };
}
