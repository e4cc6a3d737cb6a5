/**
 * Readiness: whether this relay instance can serve now (`/readyz`), as opposed to whether its
 * process works (`/healthz`, liveness). It is a list of named checks that the relay's parts add to
 * (the relay itself: not shutting down; a Redis directory: Redis reachable), so an orchestrator
 * stops sending clients to an instance that cannot take them without killing one that is healthy.
 */

/** One condition for serving. */
export interface ReadinessCheck {
  /** A short stable name, the key in the report (`redis`, `accepting`). */
  readonly name: string;
  /** Undefined when fine; otherwise what is wrong, for the operator. */
  check(): string | undefined;
}

/** What `/readyz` answers (503 when not ready). */
export interface ReadinessReport {
  ready: boolean;
  /** Each check by name: `'ok'`, or what is wrong. */
  checks: Record<string, string>;
}

export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  report(): ReadinessReport {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const entry of this.checks) {
      const problem = entry.check();
      checks[entry.name] = problem ?? 'ok';
      if (problem !== undefined) ready = false;
    }
    return { ready, checks };
  }
}
