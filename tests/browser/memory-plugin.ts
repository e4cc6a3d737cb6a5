/**
 * A @web/test-runner plugin that tells a page how much memory its browser's renderer processes hold,
 * so a test can assert that what a peer announces or sends does not grow the page.
 *
 *   renderer-memory -> {rss} | null   the resident set size (bytes) of every renderer (content)
 *                                     process of the browser running the test (scripts/
 *                                     renderer-memory.mjs says how, and why RSS); null where it
 *                                     cannot be read (not Linux, or a launcher that does not expose
 *                                     the browser's process)
 *
 * Tests run one page at a time (concurrency 1), so the other renderers are idle and the sum grows
 * only with the page under test.
 */
import { rendererMemory } from '../../scripts/renderer-memory.mjs';

interface PuppeteerLike {
  getPage?(sessionId: string): { browser(): { process(): { pid?: number } | null } } | undefined;
}

interface CommandArguments {
  command: string;
  session: { id: string; browser: PuppeteerLike };
}

export function memoryPlugin() {
  return {
    name: 'rtc-memory',
    executeCommand({ command, session }: CommandArguments) {
      if (command !== 'renderer-memory') return undefined;
      const root = session.browser.getPage?.(session.id)?.browser().process()?.pid;
      const rss = rendererMemory(root);
      return rss === null ? null : { rss };
    },
  };
}
