/**
 * One error family for everything the CXone client can fail with. Nodes map `code` to their error branch; messages
 * say what to fix and never contain a secret, a token or message text.
 */
export type CxoneErrorCode = "config" | "auth" | "rate_limited" | "api" | "timeout" | "network";

export class CxoneError extends Error {
  readonly code: CxoneErrorCode;
  /** Safe to retry the same call later (CXone was overloaded or unreachable, nothing was rejected). */
  readonly retryable: boolean;

  constructor(code: CxoneErrorCode, message: string, retryable = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** The connection or a node field is missing or malformed; `field` names it. */
export class CxoneConfigError extends CxoneError {
  readonly field: string;
  constructor(field: string, message: string) {
    super("config", `${field}: ${message}`);
    this.field = field;
  }
}

/** CXone refused the credentials (token request) or a fresh token (401/403 after one re-authentication). */
export class CxoneAuthError extends CxoneError {
  readonly status?: number;
  constructor(message: string, status?: number) {
    super("auth", message);
    this.status = status;
  }
}

/** CXone answered 429 and the Retry-After did not fit in the time left. */
export class CxoneRateLimitError extends CxoneError {
  readonly retryAfterMs?: number;
  constructor(message: string, retryAfterMs?: number) {
    super("rate_limited", message, true);
    this.retryAfterMs = retryAfterMs;
  }
}

/** CXone answered with an error status; `cxoneMessage` is CXone's own explanation when it gave one. */
export class CxoneApiError extends CxoneError {
  readonly status: number;
  readonly cxoneMessage?: string;
  readonly errorCode?: string;
  readonly uid?: string;
  constructor(
    status: number,
    message: string,
    details: { cxoneMessage?: string; errorCode?: string; uid?: string } = {},
  ) {
    super("api", message, status >= 500);
    this.status = status;
    this.cxoneMessage = details.cxoneMessage;
    this.errorCode = details.errorCode;
    this.uid = details.uid;
  }
}

/** No answer inside the per-request timeout or the caller's overall deadline. */
export class CxoneTimeoutError extends CxoneError {
  constructor(message: string) {
    super("timeout", message, true);
  }
}

/** The host could not be reached (DNS, refused, reset). */
export class CxoneNetworkError extends CxoneError {
  constructor(message: string) {
    super("network", message, true);
  }
}

/** A one-line, secret-free description of any error, for node error branches and logs. */
export function describeError(err: unknown): string {
  if (err instanceof CxoneError) return err.message;
  if (err instanceof Error) return `unexpected error: ${err.name}`;
  return "unexpected error";
}
