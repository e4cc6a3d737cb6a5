/**
 * Readiness (`/readyz`): whether this relay should get new clients now. It is a list of named
 * checks that the relay's parts add: the relay itself (not draining), a shared directory (its
 * connection to Redis), whatever a host adds. Liveness (`/healthz`) is apart: a relay that is not
 * ready (draining, its Redis away) is still alive and must not be restarted for it.
 */

/** One check: true when ready; false, a reason, or a rejection when not. */
export type ReadinessCheck = () => boolean | string | Promise<boolean | string>;

/** What `/readyz` answers: ready when every check is. */
export interface ReadinessReport {
  ready: boolean;
  /** Each check by name: `'ok'`, or why not. */
  checks: Record<string, string>;
}

/** A check that has not answered within this many milliseconds counts as not ready. */
export const READINESS_CHECK_TIMEOUT = 2000;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Adds (or replaces) the check called `name`. */
  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  remove(name: string): void {
    this.checks.delete(name);
  }

  /** Runs every check at once. */
  async report(): Promise<ReadinessReport> {
    const outcomes = await Promise.all(
      [...this.checks].map(async ([name, check]) => ({ name, ...(await runCheck(check)) })),
    );
    return {
      ready: outcomes.every((outcome) => outcome.ready),
      checks: Object.fromEntries(outcomes.map((outcome) => [outcome.name, outcome.detail])),
    };
  }
}

interface Outcome {
  ready: boolean;
  /** `'ok'`, or why not. */
  detail: string;
}

/** Whether the check is ready: false when it says so, gives a reason, fails, or does not answer in time. */
async function runCheck(check: ReadinessCheck): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome>((resolve) => {
    const detail = `no answer within ${READINESS_CHECK_TIMEOUT} ms`;
    timer = setTimeout(() => resolve({ ready: false, detail }), READINESS_CHECK_TIMEOUT);
  });
  const answer = (async (): Promise<Outcome> => {
    try {
      const result = await check();
      if (result === true) return { ready: true, detail: 'ok' };
      return { ready: false, detail: result === false ? 'not ready' : result };
    } catch (error) {
      return { ready: false, detail: error instanceof Error ? error.message : String(error) };
    }
  })();
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
