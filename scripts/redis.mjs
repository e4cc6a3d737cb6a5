// Where redis-server is ($REDIS_SERVER_PATH, else Debian's), for the tests of relays that share rooms.
import { existsSync } from 'node:fs';

export const redisCandidates = ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server'];

export function findRedisServer() {
  if (process.env.REDIS_SERVER_PATH) return process.env.REDIS_SERVER_PATH;
  return redisCandidates.find((path) => existsSync(path));
}
