// Where coturn's turnserver is ($TURNSERVER_PATH, else Debian's), for the tests that relay through it.
import { existsSync } from 'node:fs';

export const turnserverCandidates = ['/usr/bin/turnserver', '/usr/local/bin/turnserver'];

export function findTurnserver() {
  if (process.env.TURNSERVER_PATH) return process.env.TURNSERVER_PATH;
  return turnserverCandidates.find((path) => existsSync(path));
}
