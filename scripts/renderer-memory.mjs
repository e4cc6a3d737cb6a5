// The resident memory of a browser's renderer processes, read from /proc (Linux): what the tests
// (tests/browser/memory-plugin.ts) and the bench (bench/browser.mjs) measure a page's memory with.
//
// Why RSS from /proc and not performance.measureUserAgentSpecificMemory(): that needs a cross-origin
// isolated page (COOP and COEP), exists in Chromium only, and counts JavaScript memory, while what a
// file transfer costs is mostly buffers outside the JavaScript heap.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The summed resident set size, in bytes, of every renderer (content) process under the browser
 * process `root`: Chromium's `--type=renderer`, Firefox's `-contentproc`. Null where it cannot be
 * read (not Linux, or no such process).
 */
export function rendererMemory(root) {
  if (process.platform !== 'linux' || root === undefined) return null;
  const renderers = descendants(root).filter(isRenderer);
  if (renderers.length === 0) return null;
  let rss = 0;
  for (const pid of renderers) rss += residentBytes(pid);
  return rss;
}

/** Process id -> parent process id, for every process we may read. */
function parents() {
  const map = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, then the parent id.
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

function descendants(root) {
  const tree = parents();
  const found = [];
  for (const pid of tree.keys()) {
    for (let ancestor = tree.get(pid); ancestor !== undefined && ancestor > 1; ancestor = tree.get(ancestor)) {
      if (ancestor === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

function isRenderer(pid) {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return command.includes('--type=renderer') || command.includes('-contentproc');
  } catch {
    return false;
  }
}

function residentBytes(pid) {
  try {
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}
