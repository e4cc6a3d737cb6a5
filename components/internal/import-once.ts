/**
 * A module imported on its first use: `load` runs once, and again only after a failed import
 * (offline for a moment, or a chunk a new deployment replaced), so that a later use can still
 * succeed.
 */
export function importOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let module: Promise<T> | undefined;
  return () =>
    (module ??= load().catch((error: unknown) => {
      module = undefined;
      throw error;
    }));
}
