/** Retry policy of the one request path: what is retried, and how long to wait. */

export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, baseDelayMs: 300, maxDelayMs: 4000 };

/**
 * 429 means CXone did not process the request, so it is always safe to repeat. 5xx, timeouts and network errors may
 * have half-happened: repeat only requests that are idempotent (GET/PUT/DELETE, or a POST carrying a deterministic
 * idOnExternalPlatform that CXone de-duplicates).
 */
export function shouldRetry(outcome: { status?: number; networkError?: boolean }, idempotent: boolean): boolean {
  if (outcome.status === 429) return true;
  if (!idempotent) return false;
  if (outcome.networkError) return true;
  return outcome.status !== undefined && (outcome.status >= 500 || outcome.status === 408);
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== "string" || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The server's Retry-After when it gave one; otherwise capped exponential backoff with jitter (half fixed, half random). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exp / 2 + random() * (exp / 2));
}
