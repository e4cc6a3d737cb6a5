#!/usr/bin/env node
// `npm run build`: the browser build (vite: the elements, then the loader, which needs their chunk
// graph), each of its scripts also compressed, the relay and type declarations (tsc), and the custom
// elements manifest (cem).
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { BROWSER_DIR } from './pages.mjs';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
const vite = (...args) =>
  run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn', ...args]);

rmSync('dist', { recursive: true, force: true });
vite();
vite('--config', 'vite.loader.config.ts');
precompress(BROWSER_DIR);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
// custom-elements.json for editors and CMS tools, from the elements' JSDoc.
run(process.execPath, ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--quiet']);

/**
 * Writes `x.js.br` and `x.js.gz` beside every script of the browser build, at the highest levels:
 * the relay sends them to browsers that accept them (relay/http.ts), so a page served by the relay
 * downloads about what the budgets count, with no compression work per request.
 */
function precompress(dir) {
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js') || file.startsWith('.')) continue;
    const script = readFileSync(join(dir, file));
    writeFileSync(join(dir, `${file}.gz`), gzipSync(script, { level: 9 }));
    writeFileSync(
      join(dir, `${file}.br`),
      brotliCompressSync(script, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: script.length },
      }),
    );
  }
}
