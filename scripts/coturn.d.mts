/** Where coturn's turnserver is ($TURNSERVER_PATH, else Debian's), or undefined. */
export function findTurnserver(): string | undefined;
export const turnserverCandidates: string[];
