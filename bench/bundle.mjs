// 1. Bundle size: dist/rtc-elements.js (what ships: vite's minified bundle, Lit included) and PeerJS
// 1.5 bundled with esbuild (bundle, minify, ESM, browser), both gzip -9.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { row } from './lib.mjs';

const BUDGET = 20_000;
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function esbuildBytes(contents) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
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

export async function bundle({ log }) {
  const ours = readFileSync('dist/rtc-elements.js');
  const oursEsbuild = await esbuildBytes(`export * from './dist/rtc-elements.js';`);
  const peerjs = await esbuildBytes(`export * from 'peerjs';`);
  const peerjsVersion = JSON.parse(readFileSync('node_modules/peerjs/package.json', 'utf8')).version;
  const details = {
    ours: {
      file: 'dist/rtc-elements.js',
      min: ours.length,
      gzip: gzip(ours),
      esbuildMin: oursEsbuild.length,
      esbuildGzip: gzip(oursEsbuild),
    },
    peerjs: { version: peerjsVersion, min: peerjs.length, gzip: gzip(peerjs) },
    budget: BUDGET,
  };
  log(
    `ours ${details.ours.min} B min, ${details.ours.gzip} B gzip (re-bundled by esbuild: ${details.ours.esbuildGzip} B gzip); peerjs ${peerjsVersion} ${details.peerjs.min} B min, ${details.peerjs.gzip} B gzip`,
  );
  return {
    rows: [
      row(
        'bundle, min+gzip -9',
        'B',
        details.ours.gzip,
        details.peerjs.gzip,
        `peerjs ${peerjsVersion}`,
        `<= ${BUDGET.toLocaleString('en-US')} B`,
        details.ours.gzip <= BUDGET,
      ),
    ],
    details,
  };
}
