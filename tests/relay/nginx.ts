/**
 * A real nginx in front of the relay, for the tests of a relay behind a proxy (Debian's nginx; `.ci/run`
 * installs it). It runs in the foreground with a config of the test's own, on a free port of
 * 127.0.0.1, and is stopped when the test ends.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../ports.js';

export const NGINX = ['/usr/sbin/nginx', 'nginx'].find(
  (path) => spawnSync(path, ['-v'], { stdio: 'ignore' }).status === 0,
);

/**
 * Starts nginx with `locations` (the `location` blocks of its one server); returns its origin
 * (`http://127.0.0.1:PORT`) once it answers.
 */
export async function startNginx(t: TestContext, locations: string): Promise<string> {
  if (!NGINX) throw new Error('nginx is not installed (Debian: apt-get install nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'rtc-nginx-'));
  const port = await freePort();
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log stderr;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }
}
`,
  );
  const nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  nginx.stderr.on('data', (data) => {
    errors += String(data);
  });
  const exited = new Promise((resolve) => nginx.once('exit', resolve));
  t.after(async () => {
    nginx.kill('SIGQUIT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${origin}/`);
      return origin;
    } catch {
      if (nginx.exitCode !== null || attempt === 100) throw new Error(`nginx did not start: ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
