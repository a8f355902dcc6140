import type { AxiosInstance, AxiosResponse } from "axios";
import type { z } from "zod";
import {
  CxoneApiError,
  CxoneAuthError,
  CxoneError,
  CxoneNetworkError,
  CxoneRateLimitError,
  CxoneTimeoutError,
} from "./errors";
import type { CxoneLogger } from "./log";
import { backoffDelay, parseRetryAfter, type RetryPolicy, shouldRetry } from "./retry";

export interface HttpRequest<T> {
  /** What the call does, in the users' words; used in errors and logs instead of the URL. */
  operation: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  params?: Record<string, string | number | string[] | undefined>;
  body?: unknown;
  /** Safe to repeat after a 5xx/timeout (see shouldRetry). Defaults to true for GET/PUT/DELETE. */
  idempotent?: boolean;
  /** Validates the JSON answer; a mismatch is a CxoneApiError, never a crash further down. */
  schema?: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** Statuses that are an answer, not an error (e.g. 404 for "no such case"). */
  acceptStatus?: number[];
}

export interface HttpResponse<T> {
  status: number;
  data: T;
}

export interface TransportOptions {
  /** Longest wait for one HTTP exchange. */
  requestTimeoutMs: number;
  retry: RetryPolicy;
  log: CxoneLogger;
  sleep?: (ms: number) => Promise<void>;
  /** Whose sockets the requests use (default: the process's, for nodes). */
  http?: CxoneHttp;
}

/**
 * The HTTP client CXone requests go out on: axios on keep-alive sockets. Like the token cache (AuthCache) it lives as
 * long as whoever owns the clients: a relay makes its own and closes its sockets when it stops; the nodes share the
 * process's (one process per tenant, where warm node runs reuse its sockets: one round trip each instead of a
 * TCP+TLS handshake every time).
 */
export class CxoneHttp {
  private client?: AxiosInstance;
  private readonly agents: { destroy(): void }[] = [];

  /**
   * Loaded on the first CXone call, not when Cognigy loads the extension: axios with Node's http/https/http2 stack
   * costs ~90 ms to evaluate on a small machine, and a node that never calls CXone should not pay it.
   */
  axios(): AxiosInstance {
    if (this.client) return this.client;
    const axios = (require("axios") as typeof import("axios")).default;
    const http = require("node:http") as typeof import("node:http");
    const https = require("node:https") as typeof import("node:https");
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
    this.agents.push(httpAgent, httpsAgent);
    this.client = axios.create({
      httpAgent,
      httpsAgent,
      // A redirect would carry the Authorization header to wherever it points.
      maxRedirects: 0,
      validateStatus: () => true,
      // Proxies from the environment are the platform's business; axios would otherwise read HTTP_PROXY itself.
      proxy: false,
      // Our own: axios strips a trailing `[]` from a key (`channel[]` went out as `channel`), and NiCE names its array
      // filters with the brackets (src/cxone/README.md §1).
      paramsSerializer: { serialize: serializeQuery },
    });
    return this.client;
  }

  /** Closes the idle keep-alive sockets; a later request opens new ones. */
  close(): void {
    for (const agent of this.agents.splice(0)) agent.destroy();
    this.client = undefined;
  }
}

/** The nodes' HTTP client, for every Transport given none (see CxoneHttp). */
const processHttp = new CxoneHttp();

/**
 * A query string exactly as CXone names its parameters: the key as given (brackets included, kept literal as NiCE's
 * SDK sends them), repeated once per array value, values URL-encoded, undefined left out.
 */
export function serializeQuery(params: Record<string, unknown> | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    const name = encodeURIComponent(key).replace(/%5B/g, "[").replace(/%5D/g, "]");
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) continue;
      parts.push(`${name}=${encodeURIComponent(String(v))}`);
    }
  }
  return parts.join("&");
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one request path to CXone: timeouts inside a caller's deadline, retries with backoff, and errors built from the
 * status. Everything above it (auth, endpoints) describes requests; nothing else talks HTTP.
 */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  async send<T>(req: HttpRequest<T>, deadlineAt: number): Promise<HttpResponse<T>> {
    const idempotent = req.idempotent ?? req.method !== "POST";
    const { retry, log } = this.options;
    const sleep = this.options.sleep ?? realSleep;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadlineAt - Date.now();
      if (remaining <= 0) throw new CxoneTimeoutError(`CXone ${req.operation}: no time left in this node's budget`);
      const timeout = Math.min(this.options.requestTimeoutMs, remaining);
      let response: AxiosResponse | undefined;
      let failure: CxoneError;
      try {
        const res = await (this.options.http ?? processHttp).axios().request({
          method: req.method,
          url: req.url,
          headers: { Accept: "application/json", ...req.headers },
          params: req.params,
          data: req.body,
          timeout,
        });
        response = res;
        if ((res.status >= 200 && res.status < 300) || req.acceptStatus?.includes(res.status)) {
          return { status: res.status, data: parseBody(req, res) };
        }
        failure = errorFromResponse(req.operation, res);
      } catch (err) {
        if (err instanceof CxoneError) throw err;
        failure = errorFromTransport(req.operation, err, timeout);
      }

      const status = response?.status;
      const networkError = response === undefined;
      if (attempt >= retry.maxRetries || !shouldRetry({ status, networkError }, idempotent)) throw failure;
      const retryAfterMs = status === 429 ? parseRetryAfter(response?.headers["retry-after"]) : undefined;
      const delay = backoffDelay(attempt, retry, retryAfterMs);
      if (Date.now() + delay >= deadlineAt) {
        // Waiting would overrun the node's budget: give the flow a clear answer now instead of a platform timeout.
        throw failure;
      }
      log(
        "warn",
        `CXone ${req.operation}: ${failure.message}; retry ${attempt + 1}/${retry.maxRetries} in ${delay} ms`,
      );
      await sleep(delay);
    }
  }
}

function parseBody<T>(req: HttpRequest<T>, response: AxiosResponse): T {
  // 204 has no body; an accepted error status (404) carries CXone's error body, not the success shape.
  if (response.status === 204) return undefined as T;
  if (!req.schema || response.status >= 300) return response.data as T;
  const parsed = req.schema.safeParse(response.data === "" ? undefined : response.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".");
  const missing = issue.code === "invalid_type" && issue.received === "undefined";
  throw new CxoneApiError(
    response.status,
    `CXone ${req.operation}: unexpected answer (${field ? `field ${field}` : "body"}: ${missing ? "missing" : issue.message})`,
  );
}

/** CXone's own explanation: DFO `{ errors: [{ message, errorCode }], uid }`, OAuth `{ error, error_description }`. */
function cxoneDetails(data: unknown): { cxoneMessage?: string; errorCode?: string; uid?: string } {
  if (!data || typeof data !== "object") return {};
  const body = data as Record<string, unknown>;
  const first = Array.isArray(body.errors) ? (body.errors[0] as Record<string, unknown> | undefined) : undefined;
  // Short and printable only: whatever answered (CXone, a proxy, a hostile host) writes this into the node's error.
  const text = (v: unknown) => {
    const clean = typeof v === "string" ? v.replace(/[^\x20-\x7e\u00a0-\uffff]+/g, " ").trim() : "";
    return clean ? clean.slice(0, 120) : undefined;
  };
  return {
    cxoneMessage:
      text(first?.message) ?? text(body.error_description) ?? text(body.message) ?? text(body.error) ?? undefined,
    errorCode: text(first?.errorCode) ?? text(body.error) ?? text(body.errorCode),
    uid: text(body.uid),
  };
}

export function errorFromResponse(operation: string, response: Pick<AxiosResponse, "status" | "data" | "headers">) {
  const { status } = response;
  const details = cxoneDetails(response.data);
  const said = details.cxoneMessage ? ` (${details.cxoneMessage})` : "";
  if (status === 401 || status === 403) {
    return new CxoneAuthError(
      `CXone ${operation}: HTTP ${status}${said}; check the access key's user has the Digital permissions`,
      status,
    );
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers?.["retry-after"]);
    const wait = retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : "";
    return new CxoneRateLimitError(`CXone ${operation}: rate limited (HTTP 429${wait})`, retryAfterMs);
  }
  if (status >= 300 && status < 400) {
    return new CxoneApiError(status, `CXone ${operation}: HTTP ${status} redirect refused; check the host settings`);
  }
  return new CxoneApiError(status, `CXone ${operation}: HTTP ${status}${said}`, details);
}

function errorFromTransport(operation: string, err: unknown, timeoutMs: number): CxoneError {
  const code = (err as { code?: string }).code;
  if (code === "ECONNABORTED" || code === "ETIMEDOUT" || code === "ERR_CANCELED") {
    return new CxoneTimeoutError(`CXone ${operation}: no answer within ${timeoutMs} ms`);
  }
  // The axios message can contain the URL (with ids) but never headers; still, keep only the error code.
  return new CxoneNetworkError(`CXone ${operation}: cannot reach CXone (${code ?? "network error"})`);
}
