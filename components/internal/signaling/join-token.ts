/**
 * Join tokens from the site (an element's `token-url`): a fresh one before every join, so a long
 * session whose token expired rejoins after a relay restart with a new one. The site's endpoint
 * answers 200 with the token as text, or as JSON `{"token": "..."}`; it is the site's to decide who
 * gets one (its own session cookie comes along on a same-origin URL).
 *
 * The SignalingClient imports this module only when it has a `tokenUrl`: pages without one never
 * download it.
 */

/** The token endpoint gave no token. */
export class TokenUnavailable extends Error {
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'TokenUnavailable';
    this.status = status;
  }

  /** The site refused (a 4xx other than 408 and 429): asking again would be refused again. */
  get refused(): boolean {
    const status = this.status ?? 0;
    return status >= 400 && status < 500 && status !== 408 && status !== 429;
  }

  get hint(): string {
    return this.refused
      ? 'The site gives no token to this visitor: sign in, or ask the site.'
      : 'The token-url must answer 200 with a token (as text, or JSON with a token field). Retrying.';
  }
}

/** Fetches a fresh token from `url` (relative to the page); throws TokenUnavailable. */
export async function fetchJoinToken(url: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  let response: Response;
  try {
    // A token is for one join: never one from the cache.
    response = await fetchImpl(url, { cache: 'no-store' });
  } catch (error) {
    throw new TokenUnavailable(`${url} could not be fetched (${(error as Error).message})`);
  }
  if (!response.ok) throw new TokenUnavailable(`${url} answered ${response.status}`, response.status);
  let body: string;
  try {
    body = (await response.text()).trim();
  } catch (error) {
    throw new TokenUnavailable(`${url} broke off its answer (${(error as Error).message})`, response.status);
  }
  const token = response.headers.get('content-type')?.includes('json') ? tokenField(body) : body;
  if (!token) throw new TokenUnavailable(`${url} gave no token`, response.status);
  return token;
}

/** The `token` of a JSON body, or '' when it has none. */
function tokenField(body: string): string {
  try {
    const { token } = JSON.parse(body) as { token?: unknown };
    return typeof token === 'string' ? token : '';
  } catch {
    return '';
  }
}
