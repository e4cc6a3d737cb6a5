/**
 * What the checks share: the outcome of a finished check (a verdict, a stable code and what was
 * measured; doctor/report.ts), and waiting for events within a deadline.
 */
import type { DoctorValues, DoctorVerdict } from './report.js';

export interface Outcome {
  state: DoctorVerdict;
  code: string;
  values: DoctorValues;
}

export const pass = (code: string, values: DoctorValues = {}): Outcome => ({ state: 'pass', code, values });
export const warn = (code: string, values: DoctorValues = {}): Outcome => ({ state: 'warn', code, values });
export const fail = (code: string, values: DoctorValues = {}): Outcome => ({ state: 'fail', code, values });

/** Milliseconds since `start` (a performance.now()), to a tenth. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** The middle value of `values` (not empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `signal`, also aborted with a TimeoutError after `timeout` ms: a check's deadline. */
export function deadline(signal: AbortSignal, timeout: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(timeout)]);
}

/** Whether `error` says a deadline passed (rather than the run being stopped). */
export function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'TimeoutError';
}

/**
 * Resolves with the next event of `types` on `target` that `accept` takes; rejects with the
 * signal's reason once it is aborted. The listeners go either way.
 */
export function nextEvent<E extends Event>(
  target: EventTarget,
  types: string | readonly string[],
  signal: AbortSignal,
  accept: (event: E) => boolean = () => true,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const stop = new AbortController();
    const onAbort = () => {
      stop.abort();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { signal: stop.signal });
    const onEvent = (event: Event) => {
      if (!accept(event as E)) return;
      stop.abort();
      resolve(event as E);
    };
    for (const type of typeof types === 'string' ? [types] : types) {
      target.addEventListener(type, onEvent, { signal: stop.signal });
    }
  });
}

/** Resolves after `ms`, or rejects with the signal's reason once it is aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
