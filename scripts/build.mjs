#!/usr/bin/env node
// `npm run build`: the browser bundle (vite), then the relay and type declarations (tsc).
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
