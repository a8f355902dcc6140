import http from "node:http";
import https from "node:https";
import type { CxoneSandbox, SandboxMessage } from "./cxone-sandbox";

/**
 * The part of the CXone sandbox that calls a BYOC middleware (the relay) the way CXone does when an agent replies:
 * the call goes out without a token first, a 401 makes it fetch one from the Authorization URL (client credentials)
 * and try again with the bearer, and a non-200 answer is retried a bounded number of times. The body follows
 * src/cxone/README.md §6a (legacy `posts/{postId}/messages`) or §6b ("Use DFO 3.0 Outbound API").
 */

export interface ByocAgentOptions {
  /** The Integration Box URL the admin entered, e.g. http://127.0.0.1:8080/integration/box */
  relayBoxUrl: string;
  clientId: string;
  clientSecret: string;
  mode: "posts" | "outbound";
  /** Attempts per message, the first included (default 5). */
  maxAttempts?: number;
  /** Pause between attempts after a non-200 (default 100 ms; CXone's own schedule is not documented). */
  retryDelayMs?: number;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Token request encoding (NiCE's sample sends JSON; form-encoded is accepted too). */
  tokenEncoding?: "json" | "form";
  /** Put CXone's message id into the body (default: posts yes, outbound no, as in the public samples). */
  includeMessageId?: boolean;
  /**
   * Legacy mode: what `postId` is (undocumented). "thread": our thread id; "cxone-post": a CXone-internal id, ours only
   * in `post.idOnExternalPlatform`; "cxone-thread": a CXone-internal id, ours only in `thread.idOnExternalPlatform`.
   */
  legacyPostId?: "thread" | "cxone-post" | "cxone-thread";
}

/** Agent message content in NiCE's shape (common-sdk digital-message-content-types.js; OAS MessageContent). */
export interface AgentContent {
  type: string;
  payload: Record<string, unknown>;
  fallbackText?: string;
  postback?: string;
}

/** QUICK_REPLIES as NiCE's schema has it: `{ text: { content }, actions: [{ type: "REPLY_BUTTON", text, postback }] }`. */
export function quickRepliesContent(text: string, replies: { text: string; postback?: string }[]): AgentContent {
  return {
    type: "QUICK_REPLIES",
    payload: {
      text: { content: text },
      actions: replies.map((r) => ({ type: "REPLY_BUTTON", text: r.text, postback: r.postback ?? r.text })),
    },
  };
}

/** One call CXone made to the middleware (a token request carries no body: it holds the client secret). */
export interface ByocCall {
  url: string;
  body?: unknown;
  status: number;
  answer?: unknown;
}

export interface ByocAttempt {
  status: number;
  body: unknown;
}

export interface ByocReply {
  /** The last answer. */
  status: number;
  body: unknown;
  /** Every answer, token requests excluded. */
  attempts: ByocAttempt[];
  tokenRequests: number;
  message: SandboxMessage;
  /** What the relay answered as its id for the message (200 only). */
  idOnExternalPlatform?: string;
}

export interface ReplyOptions {
  attachments?: { name?: string; url: string; mimeType?: string }[];
  /** Rich content instead of TEXT (the text argument is then only what the sandbox records). */
  content?: AgentContent;
  /** Extra top-level body fields (tests of unknown shapes). */
  extra?: Record<string, unknown>;
}

export class ByocAgent {
  private token?: string;
  tokenRequests = 0;
  /** Every call made to the relay (token requests included), for contract checks. */
  readonly sent: { url: string; contentType: string; body: string; status: number; answer: unknown }[] = [];
  /** Sees every call to the relay as it is answered (the web demo's boundary log). */
  onCall?: (call: ByocCall) => void;

  constructor(private readonly options: ByocAgentOptions) {}

  /** The agent replies in a case: recorded in the sandbox, then delivered to the relay as CXone would. */
  async reply(sandbox: CxoneSandbox, caseId: string, text: string, options: ReplyOptions = {}): Promise<ByocReply> {
    const message = sandbox.recordAgentMessage(caseId, text);
    message.attachments = (options.attachments ?? []).map((a) => ({
      friendlyName: a.name ?? a.url.split("/").pop() ?? "file",
      url: a.url,
      ...(a.mimeType ? { mimeType: a.mimeType } : {}),
    }));
    const extra = options.content ? { messageContent: options.content, ...options.extra } : options.extra;
    return this.deliver(sandbox, caseId, message, extra);
  }

  /** The agent sends quick replies: buttons the user taps, each answering with its postback. */
  quickReplies(
    sandbox: CxoneSandbox,
    caseId: string,
    text: string,
    replies: { text: string; postback?: string }[],
  ): Promise<ByocReply> {
    return this.reply(sandbox, caseId, text, { content: quickRepliesContent(text, replies) });
  }

  /** The agent transfers the case to another agent (CXone tells a BYOC middleware nothing; the relay polls it). */
  transfer(sandbox: CxoneSandbox, caseId: string, toAgentId: string) {
    const c = sandbox.cases.get(caseId);
    if (!c) throw new Error(`sandbox has no case ${caseId}`);
    if (c.inboxAssigneeUser?.id === toAgentId) throw new Error(`case ${caseId} is already with agent ${toAgentId}`);
    return sandbox.assignAgent(caseId, toAgentId);
  }

  /** (Re)delivers a recorded message: the same CXone message id, as on CXone's own retry. */
  async deliver(
    sandbox: CxoneSandbox,
    caseId: string,
    message: SandboxMessage,
    extra: Record<string, unknown> = {},
  ): Promise<ByocReply> {
    const c = sandbox.cases.get(caseId);
    if (!c) throw new Error(`sandbox has no case ${caseId}`);
    const threadId = c.threadIdOnExternalPlatform;
    const includeId = this.options.includeMessageId ?? this.options.mode === "posts";
    const author = message.author as Record<string, unknown>;
    const authorUser = author?.id
      ? {
          id: Number(author.id) || author.id,
          firstName: author.firstName,
          surname: author.surname,
          nickname: author.nickname ?? null,
          imageUrl: author.imageUrl ?? null,
          publicImageUrl: author.publicImageUrl ?? author.imageUrl ?? null,
        }
      : undefined;
    const common = {
      ...(includeId ? { id: message.id } : {}),
      brand: { id: 1386, tenantId: sandbox.tenantId },
      messageContent: { type: "TEXT", payload: { text: message.text } },
      attachments: message.attachments,
      ...(authorUser ? { authorUser } : {}),
      createdAtWithMilliseconds: message.createdAt,
      ...extra,
    };
    const box = this.options.relayBoxUrl.replace(/\/+$/, "");
    const postIdReading = this.options.legacyPostId ?? "thread";
    const postId = postIdReading === "thread" ? threadId : `post-${c.id}`;
    const where =
      postIdReading === "cxone-thread"
        ? {
            post: { id: postId, channelId: c.channelId },
            thread: { id: `thread-${c.id}`, idOnExternalPlatform: threadId },
          }
        : { post: { id: postId, idOnExternalPlatform: threadId, channelId: c.channelId } };
    const { url, body } =
      this.options.mode === "posts"
        ? {
            url: `${box}/1.0/posts/${encodeURIComponent(postId)}/messages`,
            body: { ...common, ...where, contactId: c.id },
          }
        : {
            url: `${box}/2.0/channel/${encodeURIComponent(c.channelId)}/outbound`,
            body: {
              ...common,
              thread: { idOnExternalPlatform: threadId },
              endUserRecipients: [{ idOnExternalPlatform: "end-user", isPrimary: true, isPrivate: false }],
              recipients: [],
              replyToMessage: null,
              isReplyToSpecificMessage: false,
            },
          };
    const result = await this.send(url, body);
    if (result.status === 200) {
      const answer = result.body as { idOnExternalPlatform?: string; message?: { idOnExternalPlatform?: string } };
      const id = answer?.message?.idOnExternalPlatform ?? answer?.idOnExternalPlatform;
      if (id) message.idOnExternalPlatform = id;
      return { ...result, message, idOnExternalPlatform: id };
    }
    return { ...result, message };
  }

  /** The agent's typing indicator (answered 204 by the relay). */
  async typing(sandbox: CxoneSandbox, caseId: string, on: boolean): Promise<ByocAttempt> {
    const c = sandbox.cases.get(caseId);
    if (!c) throw new Error(`sandbox has no case ${caseId}`);
    const box = this.options.relayBoxUrl.replace(/\/+$/, "");
    const url = `${box}/1.0/channel/${encodeURIComponent(c.channelId)}/thread/${encodeURIComponent(c.threadIdOnExternalPlatform)}/sender-action`;
    const result = await this.send(url, {
      brand: { id: 1386 },
      senderAction: { action: on ? "isTypingOn" : "isTypingOff" },
      authorUser: { firstName: c.inboxAssigneeUser?.firstName },
    });
    return { status: result.status, body: result.body };
  }

  /** POST with CXone's auth flow and bounded retries; token requests are not counted as attempts. */
  async send(
    url: string,
    body: unknown,
  ): Promise<{ status: number; body: unknown; attempts: ByocAttempt[]; tokenRequests: number }> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const attempts: ByocAttempt[] = [];
    let tokenRequests = 0;
    let refreshed = false;
    while (attempts.length < maxAttempts) {
      const res = await this.post(url, body, this.token ? { authorization: `Bearer ${this.token}` } : {});
      this.onCall?.({ url, body, status: res.status, answer: res.body });
      if (res.status === 401 && !refreshed) {
        // CXone's flow: a refused call fetches a token and tries again (not counted as a delivery attempt).
        refreshed = true;
        tokenRequests++;
        this.token = await this.fetchToken();
        continue;
      }
      attempts.push(res);
      if (res.status === 200 || res.status === 204) break;
      if (res.status === 401) refreshed = false;
      if (attempts.length < maxAttempts) await sleep(this.options.retryDelayMs ?? 100);
    }
    const last = attempts[attempts.length - 1];
    return { status: last.status, body: last.body, attempts, tokenRequests };
  }

  /** Forgets the cached token (as after CXone restarts). */
  forgetToken(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<string | undefined> {
    this.tokenRequests++;
    const fields = {
      grant_type: "client_credentials",
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    };
    const url = `${this.options.relayBoxUrl.replace(/\/+$/, "")}/1.0/token`;
    const res =
      this.options.tokenEncoding === "form"
        ? await this.raw(url, new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded", {})
        : await this.post(url, fields, {});
    this.onCall?.({ url, status: res.status });
    const token = (res.body as { access_token?: string })?.access_token;
    return res.status === 200 && token ? token : undefined;
  }

  private post(url: string, body: unknown, headers: Record<string, string>): Promise<ByocAttempt> {
    return this.raw(url, JSON.stringify(body), "application/json", headers);
  }

  private async raw(url: string, body: string, type: string, headers: Record<string, string>): Promise<ByocAttempt> {
    try {
      const { status, text } = await httpPost(
        url,
        body,
        { "content-type": type, ...headers },
        this.options.timeoutMs ?? 15_000,
      );
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      this.sent.push({ url, contentType: type, body, status, answer: parsed });
      return { status, body: parsed };
    } catch (err) {
      // No answer (timeout, refused): CXone sees a failed send; status 0 marks it.
      return { status: 0, body: { error: (err as Error).name } };
    }
  }
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true }),
};

function httpPost(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const secure = target.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      target,
      {
        method: "POST",
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { name: "TimeoutError" })));
    req.on("error", reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
