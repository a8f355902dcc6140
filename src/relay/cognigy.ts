// The relay's way into Cognigy: Notify and Inject on the endpoint, one attempt per call, and long text split.
import http from "node:http";
import https from "node:https";
import { urlToHttpOptions } from "node:url";
import { webchatAgentLook } from "../handover/cognigy-platform";
import { checkRelayEvent, type RelayEvent } from "../handover/events";
import type { ConversationRef } from "../handover/thread";
import { errorCode } from "./caught";

/** Cognigy validates `text` up to this length (Notify and Inject). */
export const COGNIGY_TEXT_LIMIT = 10_000;

export type CognigyRoute = "notify" | "inject";

export type CognigyResult =
  | { ok: true; status: number }
  /** `retryable`: Cognigy was down, overloaded or slow (5xx, 429, timeout, network), so a later try may land. */
  | { ok: false; retryable: boolean; status?: number; reason: string };

/**
 * Threads opened before the flow announced the agent itself (Send to Agent on agentJoined) ask the relay to Notify
 * "You are now chatting with …"; newer ones must not get it twice.
 */
export const relayAnnouncesAgent = (ref: ConversationRef) => ref.displayAgentDetails && !ref.flowAnnouncesAgent;

export type CognigyReachability = { reachable: true; status: number } | { reachable: false; reason: string };

/** Where Notify/Inject go: the endpoint route (recommended), or the older API route with an API key. */
export type CognigyTarget =
  /** `{url}/notify/{URLToken}` and `/inject/{URLToken}`. */
  | { route: "endpoint"; url: string }
  /** `{url}/new/v2.0/endpoint/notify|inject` with `x-api-key`, the URL token in the body (rest-api-client 0.19.0). */
  | { route: "api"; url: string; key: string };

/**
 * Webchat draws a Notify as the bot's message (it carries no `source`); for an agent the handover asked to show, the
 * agent's look (src/handover/cognigy-platform.ts) puts their picture and name on it. Other channels ignore it.
 */
function agentLook(cxone: RelayEvent): Record<string, unknown> {
  const agent = cxone.event === "agentMessage" ? cxone.agent : undefined;
  return agent ? webchatAgentLook(agent, agent.name) : {};
}

/**
 * Delivers into Cognigy: Notify (output straight to the user) and Inject (runs the flow). One attempt per call; the
 * caller decides about retrying (CXone retries an agent message we answer non-200; the poller retries a case event on
 * its next poll). A 2xx means Cognigy accepted the request, not that the user has seen it.
 */
export class CognigyClient {
  /** Parsed request targets by route and URL token: a conversation's replies all go to the same URL. */
  private readonly targets = new Map<string, { secure: boolean; options: http.RequestOptions }>();
  private readonly target: CognigyTarget;
  private lastProbe?: { at: number; result: Promise<CognigyReachability> };
  /** The last Notify/Inject outcome (for /health: no ids, no text). */
  lastDelivery?: { at: string; ok: boolean; status?: number };
  /** Keep-alive sockets to Cognigy, this client's own: destroyed by close(), so a stopped relay leaves none open. */
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    target: string | CognigyTarget,
    private readonly timeoutMs: number,
    private readonly observe: (route: CognigyRoute, outcome: string) => void = () => {},
  ) {
    this.target = typeof target === "string" ? { route: "endpoint", url: target } : target;
  }

  /**
   * `view`: extra output data for the user's channel (quick replies, files; see agent-content.ts). Every event the
   * relay sends passes here and is checked against the one event schema first: a malformed one rejects, unsent.
   */
  async send(
    route: CognigyRoute,
    ref: ConversationRef,
    text: string,
    cxone: RelayEvent,
    view?: Record<string, unknown>,
  ): Promise<CognigyResult> {
    const event = checkRelayEvent(cxone);
    const data = { ...view, ...agentLook(event), cxone: event };
    return this.post(route, ref.urlToken, { userId: ref.userId, sessionId: ref.sessionId, text, data });
  }

  private async post(
    route: CognigyRoute,
    urlToken: string,
    body: { userId: string; sessionId: string; text: string; data: object },
  ): Promise<CognigyResult> {
    let result: CognigyResult;
    const api = this.target.route === "api" ? this.target : undefined;
    try {
      const payload = JSON.stringify(api ? { URLToken: urlToken, ...body } : body);
      const status = await this.request(this.targetOf(route, urlToken), payload, { apiKey: api?.key });
      if (status >= 200 && status < 300) result = { ok: true, status };
      else {
        const retryable = status >= 500 || status === 429 || status === 408;
        result = { ok: false, retryable, status, reason: `Cognigy ${route} answered HTTP ${status}` };
      }
    } catch (err) {
      const timeout = err instanceof Error && err.name === "TimeoutError";
      result = {
        ok: false,
        retryable: true,
        reason: timeout ? `Cognigy ${route} timed out after ${this.timeoutMs} ms` : `Cognigy ${route} unreachable`,
      };
    }
    this.observe(route, result.ok ? "ok" : result.status ? `http_${Math.floor(result.status / 100)}xx` : "error");
    this.lastDelivery = { at: new Date().toISOString(), ok: result.ok, status: result.status };
    return result;
  }

  /**
   * Whether the Cognigy endpoint answers at all (any HTTP status counts: DNS, TCP and TLS worked), without a URL
   * token. Cached for 15 s so a busy health check does not become load on Cognigy.
   */
  reachability(): Promise<CognigyReachability> {
    const now = Date.now();
    if (this.lastProbe && now - this.lastProbe.at < 15_000) return this.lastProbe.result;
    const url = new URL(this.target.url);
    const target = { secure: url.protocol === "https:", options: urlToHttpOptions(url) };
    const result = this.request(target, "", { method: "GET", timeoutMs: Math.min(this.timeoutMs, 5000) }).then(
      (status): CognigyReachability => ({ reachable: true, status }),
      (err: unknown): CognigyReachability => ({
        reachable: false,
        reason: err instanceof Error && err.name === "TimeoutError" ? "timed out" : (errorCode(err) ?? "unreachable"),
      }),
    );
    this.lastProbe = { at: now, result };
    return result;
  }

  private targetOf(route: CognigyRoute, urlToken: string) {
    const api = this.target.route === "api";
    const key = api ? route : `${route}/${urlToken}`;
    let target = this.targets.get(key);
    if (!target) {
      const base = this.target.url;
      const url = new URL(
        api ? `${base}/new/v2.0/endpoint/${route}` : `${base}/${route}/${encodeURIComponent(urlToken)}`,
      );
      target = { secure: url.protocol === "https:", options: urlToHttpOptions(url) };
      if (this.targets.size >= 10_000) this.targets.clear();
      this.targets.set(key, target);
    }
    return target;
  }

  /** One request (POST unless told) on a keep-alive socket (node:http: a fraction of fetch's cost per call); resolves the status. */
  private request(
    target: { secure: boolean; options: http.RequestOptions },
    payload: string,
    options: { apiKey?: string; method?: string; timeoutMs?: number } = {},
  ): Promise<number> {
    const { secure } = target;
    const { apiKey, method = "POST", timeoutMs = this.timeoutMs } = options;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          ...target.options,
          method,
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "content-length": Buffer.byteLength(payload),
            ...(apiKey ? { "x-api-key": apiKey } : {}),
          },
        },
        (res) => {
          // Drain the answer so the socket is reused; its content is not needed.
          res.resume();
          res.on("end", () => {
            clearTimeout(timer);
            resolve(res.statusCode ?? 0);
          });
          res.on("error", fail);
        },
      );
      const timer = setTimeout(() => {
        const err = new Error("timeout");
        err.name = "TimeoutError";
        req.destroy(err);
      }, timeoutMs);
      function fail(err: Error) {
        clearTimeout(timer);
        reject(err);
      }
      req.on("error", fail);
      req.end(payload);
    });
  }

  /** Closes this client's sockets (the relay stops); a request still running is cut off. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * Splits a text into parts Cognigy accepts, in order and without loss: at a paragraph, line or word break near the
 * limit when there is one, never inside a surrogate pair.
 */
export function splitText(text: string, limit = COGNIGY_TEXT_LIMIT): string[] {
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = -1;
    for (const sep of ["\n\n", "\n", " "]) {
      const at = rest.lastIndexOf(sep, limit - sep.length);
      if (at >= limit / 2) {
        cut = at + sep.length;
        break;
      }
    }
    if (cut < 0) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length) parts.push(rest);
  return parts;
}
