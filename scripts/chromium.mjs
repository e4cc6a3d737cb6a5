// Where Chromium is: $CHROME_PATH, else Debian's (the binary behind its wrapper script first:
// the wrapper prints a harmless shell warning on every start).
import { existsSync } from 'node:fs';

export const chromiumCandidates = [
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export function findChromium() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  return chromiumCandidates.find((path) => existsSync(path));
}
