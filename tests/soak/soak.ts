// What the soak tests share (`npm run soak`, scripts/soak.mjs): the number of runs, and a loop that
// repeats a scene and prints the record of each run that failed.
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';

/** How many times each test repeats its scene (RTC_SOAK_RUNS, default 100). */
const runs = ((await executeServerCommand('soak-runs')) as number) || 100;

/** A signal or a state change, with the milliseconds since the run began. */
function recorder() {
  const start = performance.now();
  const lines: string[] = [];
  return {
    lines,
    note: (text: string) => lines.push(`${(performance.now() - start).toFixed(0).padStart(6)} ${text}`),
  };
}

/**
 * Runs `once` `runs` times. A run resolves undefined when it passed, or with lines that describe how
 * it ended (states, transports) when it failed: those print after what the run noted as it went. The
 * test fails at the end, naming how many runs failed.
 */
export async function soak(
  name: string,
  once: (note: (text: string) => void) => Promise<string[] | undefined>,
): Promise<void> {
  let failed = 0;
  for (let run = 0; run < runs; run++) {
    const { lines, note } = recorder();
    const ending = await once(note);
    if (!ending) continue;
    failed++;
    console.log(`${name}: run ${run + 1} failed\n${[...lines, ...ending].join('\n')}`);
  }
  console.log(`${name}: ${failed} of ${runs} runs failed`);
  expect(failed, `${name}: runs that failed`).to.equal(0);
}
