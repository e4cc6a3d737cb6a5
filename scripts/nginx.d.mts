/** Where nginx is ($NGINX_PATH, else Debian's), or undefined. */
export function findNginx(): string | undefined;
export const nginxCandidates: string[];
