#!/usr/bin/env node
// `npm run build`: the browser build (vite: the elements, then the loader, which needs their chunk
// graph), the relay and type declarations (tsc), and the custom elements manifest (cem).
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
run(process.execPath, [
  'node_modules/vite/bin/vite.js',
  'build',
  '--config',
  'vite.loader.config.ts',
  '--logLevel',
  'warn',
]);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
// custom-elements.json for editors and CMS tools, from the elements' JSDoc.
run(process.execPath, ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--quiet']);
