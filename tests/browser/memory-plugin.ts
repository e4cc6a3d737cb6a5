/**
 * A @web/test-runner plugin that tells a page how much memory its browser's renderer processes hold,
 * so a test can assert that what a peer announces or sends does not grow the page.
 *
 *   renderer-memory -> {rss} | null   the resident set size (bytes) of every renderer (content)
 *                                     process of the browser running the test; null where it cannot
 *                                     be read (not Linux, or a launcher that does not expose the
 *                                     browser's process)
 *
 * Why RSS from /proc and not performance.measureUserAgentSpecificMemory(): that needs a
 * cross-origin isolated page (COOP and COEP on every test page), exists in Chromium only, and
 * counts JavaScript memory, while what a transfer costs is mostly buffers outside the JS heap.
 * Tests run one page at a time (concurrency 1), so the other renderers are idle and the sum grows
 * only with the page under test.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface PuppeteerLike {
  getPage?(sessionId: string): { browser(): { process(): { pid?: number } | null } } | undefined;
}

interface CommandArguments {
  command: string;
  session: { id: string; browser: PuppeteerLike };
}

/** Process id -> parent process id, for every process we may read. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start with state, then the parent id.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(Number(entry), parent);
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

function descendants(root: number): number[] {
  const tree = parents();
  const found: number[] = [];
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

/** Chromium's renderers (`--type=renderer`) and Firefox's content processes (`-contentproc`). */
function isRenderer(pid: number): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return command.includes('--type=renderer') || command.includes('-contentproc');
  } catch {
    return false;
  }
}

function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    return kib * 1024;
  } catch {
    return 0;
  }
}

export function memoryPlugin() {
  return {
    name: 'rtc-memory',
    executeCommand({ command, session }: CommandArguments) {
      if (command !== 'renderer-memory') return undefined;
      if (process.platform !== 'linux') return null;
      const root = session.browser.getPage?.(session.id)?.browser().process()?.pid;
      if (root === undefined) return null;
      const renderers = descendants(root).filter(isRenderer);
      if (renderers.length === 0) return null;
      let rss = 0;
      for (const pid of renderers) rss += residentBytes(pid);
      return { rss };
    },
  };
}
