/**
 * Readiness: whether this relay instance should get new clients now (`/readyz`), as opposed to
 * whether its process works (`/healthz`, liveness). It is a list of named checks that the relay's
 * parts add to (the relay itself: accepting, not draining or shutting down; a Redis directory: Redis
 * reachable), so a load balancer stops sending clients to an instance that cannot take them, and an
 * orchestrator does not kill one that is healthy.
 *
 * A check answers at once from what its part already knows (the Redis directory's heartbeat, say):
 * probes come every few seconds from every balancer, and one must never wait on a slow dependency.
 */

/** One condition for serving. */
export interface ReadinessCheck {
  /** A short stable name, the key in the report (`accepting`, `redis`). */
  readonly name: string;
  /** Undefined when fine; otherwise what is wrong, for the operator. */
  check(): string | undefined;
}

/** What `relay.readiness()` reports; `/readyz` answers the same (503 when not ready). */
export interface ReadinessReport {
  ready: boolean;
  /** Each check by name: `'ok'`, or what is wrong. */
  checks: Record<string, string>;
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Adds a check; one of the same name is replaced. */
  add(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  report(): ReadinessReport {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const entry of this.checks.values()) {
      const problem = problemOf(entry);
      checks[entry.name] = problem ?? 'ok';
      if (problem !== undefined) ready = false;
    }
    return { ready, checks };
  }
}

/** A check that throws (a host's, with a bug) is not ready, for that reason: `/readyz` still answers. */
function problemOf(entry: ReadinessCheck): string | undefined {
  try {
    return entry.check();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
