/**
 * A real nginx (Debian's) in front of a server of the tests, run in the foreground with a config of
 * our own, as docs/relay.md's operator would write it:
 * - `naive`: a plain `proxy_pass`, without `proxy_http_version 1.1` and the Upgrade/Connection
 *   headers. nginx then passes a WebSocket handshake on as a plain GET, so WebSocket fails, while an
 *   SSE response streams through unbuffered (the relay sends `X-Accel-Buffering: no`).
 * - `websocket`: the documented configuration, which passes upgrades.
 * Used by tests/relay/nginx.test.ts and by the browser tests (through relay-plugin.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNginx } from '../scripts/nginx.mjs';
import { freePort, waitForPort } from './ports.js';

export type NginxMode = 'naive' | 'websocket';

export interface RunningNginx {
  /** http://127.0.0.1:PORT */
  origin: string;
  stop(): Promise<void>;
}

const UPGRADE_HEADERS = `
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";`;

export async function startNginx(upstreamPort: number, mode: NginxMode): Promise<RunningNginx> {
  const binary = findNginx();
  if (!binary) throw new Error('nginx is not installed (Debian: apt-get install nginx); npm test installs it as root');
  const dir = mkdtempSync(join(tmpdir(), 'rtc-nginx-'));
  const port = await freePort();
  const config = `
daemon off;
pid ${dir}/nginx.pid;
error_log stderr error;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};${mode === 'websocket' ? UPGRADE_HEADERS : ''}
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child = spawn(binary, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, { name: 'nginx', exited: () => child.exitCode !== null, output: () => stderr });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      // SIGQUIT would wait for open streams; the test is over.
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
