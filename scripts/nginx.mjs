// Where nginx is ($NGINX_PATH, else Debian's), for the tests that put it in front of the relay.
import { existsSync } from 'node:fs';

export const nginxCandidates = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'];

export function findNginx() {
  if (process.env.NGINX_PATH) return process.env.NGINX_PATH;
  return nginxCandidates.find((path) => existsSync(path));
}
