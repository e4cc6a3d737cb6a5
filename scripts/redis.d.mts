/** Where redis-server is ($REDIS_SERVER_PATH, else Debian's), or undefined. */
export function findRedisServer(): string | undefined;
export const redisCandidates: string[];
