import { Authenticator, type AuthSession, type PersistedAuth } from "./auth";
import { type CxoneConnection, secretsOf } from "./config";
import { CxoneAuthError } from "./errors";
import { type CxoneLogger, scrubbingLogger, silentLogger } from "./log";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import {
  type CxoneChannel,
  type CxoneContact,
  channelListSchema,
  contactSchema,
  contactSearchSchema,
  createMessageResponseSchema,
  type SkillActivity,
  skillActivityResponseSchema,
} from "./schemas";
import { type HttpRequest, Transport } from "./transport";

export interface CxoneClientOptions {
  log?: CxoneLogger;
  /** Total time every call of this client may take, retries included (a node has 20 s in all). */
  deadlineMs?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** A token cache restored from Cognigy context (see exportAuth). */
  persistedAuth?: unknown;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_DEADLINE_MS = 15_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 8_000;

export interface EndUser {
  /** Stable id of the end user on our side (Cognigy userId). */
  id: string;
  firstName?: string;
  lastName?: string;
  nickname?: string;
  email?: string;
  image?: string;
}

export interface Attachment {
  url: string;
  friendlyName: string;
}

export interface InboundMessage {
  /** Our id for the conversation: CXone's thread.idOnExternalPlatform (first message opens the case). */
  threadId: string;
  /** Our id for the message; deterministic so a retried send is de-duplicated by CXone. */
  messageId: string;
  text: string;
  author: EndUser;
  attachments?: Attachment[];
  /** Routing hints and case fields; CXone applies them when this message opens the case. */
  contact?: { skillId?: number; customFields?: { ident: string; value: string }[] };
  threadName?: string;
  createdAt?: Date;
}

export interface SentMessage {
  /** The case (contact) id CXone routes and agents work on (absent when CXone reported a duplicate). */
  contactId?: string;
  contactStatus?: string;
  messageId?: string;
  /** CXone already had a message with this id (an earlier attempt landed). */
  duplicate: boolean;
}

/**
 * The shared NiCE CXone Digital client: every node and the relay go through it. Cheap to create (one per node
 * execution, carrying that execution's deadline); tokens and sockets are shared per connection in the process.
 */
export class CxoneClient {
  readonly connection: CxoneConnection;
  private readonly auth: Authenticator;
  private readonly transport: Transport;
  private readonly deadlineAt: number;
  private readonly log: CxoneLogger;

  constructor(
    connection: CxoneConnection,
    private readonly options: CxoneClientOptions = {},
  ) {
    this.connection = connection;
    this.deadlineAt = Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS);
    this.log = scrubbingLogger(options.log ?? silentLogger, () => {
      const token = this.auth?.current()?.accessToken;
      return token ? [...secretsOf(connection), token] : secretsOf(connection);
    });
    this.transport = new Transport({
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      log: this.log,
      sleep: options.sleep,
    });
    this.auth = new Authenticator(connection, this.transport);
    if (options.persistedAuth) this.auth.import(options.persistedAuth);
  }

  /** The token cache, encrypted, for Cognigy context; undefined when there is nothing worth keeping. */
  exportAuth(): PersistedAuth | undefined {
    return this.auth.export();
  }

  /** Milliseconds left in this client's budget. */
  timeLeft(): number {
    return this.deadlineAt - Date.now();
  }

  /**
   * The same client with a smaller budget for one step (never more than is left), so an optional step such as the
   * transcript cannot use up the time a required step after it needs. Tokens and sockets stay shared.
   */
  withBudget(ms: number): CxoneClient {
    return new CxoneClient(this.connection, {
      ...this.options,
      persistedAuth: undefined,
      deadlineMs: Math.max(0, Math.min(ms, this.timeLeft())),
    });
  }

  // ---- Digital Engagement (DFO 3.0) ----

  /** Creates an end-user message on a thread; the first message on a new thread opens a case routed by the channel. */
  async sendMessage(msg: InboundMessage): Promise<SentMessage> {
    const body = {
      idOnExternalPlatform: msg.messageId,
      direction: "inbound",
      createdAtWithMilliseconds: (msg.createdAt ?? new Date()).toISOString(),
      thread: { idOnExternalPlatform: msg.threadId, ...(msg.threadName ? { threadName: msg.threadName } : {}) },
      messageContent: { type: "TEXT", payload: { text: msg.text } },
      authorEndUserIdentity: {
        idOnExternalPlatform: msg.author.id,
        firstName: msg.author.firstName,
        lastName: msg.author.lastName,
        nickname: msg.author.nickname,
        image: msg.author.image,
      },
      ...(msg.attachments?.length ? { attachments: msg.attachments } : {}),
      ...(msg.contact ? { contact: msg.contact } : {}),
    };
    const { status, data } = await this.dfo({
      operation: "send message",
      method: "POST",
      path: `/dfo/3.0/channels/${enc(this.connection.channelId)}/messages`,
      body,
      // The deterministic idOnExternalPlatform makes a repeat a duplicate CXone recognises, not a second message.
      idempotent: true,
      schema: createMessageResponseSchema,
      // A 409 after a retried send means the first attempt landed: the message is there once, which is the goal.
      acceptStatus: [409],
    });
    if (status === 409) return { duplicate: true };
    return {
      contactId: data.consumerContact?.id,
      contactStatus: data.consumerContact?.status,
      messageId: data.message?.id,
      duplicate: false,
    };
  }

  /** End-user typing indicator shown to the agent. */
  async sendTyping(threadId: string, typing: boolean): Promise<void> {
    await this.dfo({
      operation: "send typing indicator",
      method: "POST",
      path: `/dfo/3.0/channels/${enc(this.connection.channelId)}/threads/${enc(threadId)}/sender-actions`,
      body: { action: typing ? "isTypingOn" : "isTypingOff" },
      idempotent: true,
    });
  }

  /** A case with its status and assigned agent; undefined when CXone does not know it. */
  async getContact(contactId: string): Promise<CxoneContact | undefined> {
    const { status, data } = await this.dfo({
      operation: "get case",
      method: "GET",
      path: `/dfo/3.0/contacts/${enc(contactId)}`,
      acceptStatus: [404],
    });
    return status === 404 ? undefined : contactSchema.parse(data);
  }

  /** One page of the channel's cases in the given statuses (the relay's poll). */
  async searchContacts(query: {
    statuses: string[];
    scrollToken?: string;
    newestFirst?: boolean;
    endUserIds?: string[];
  }) {
    const { data } = await this.dfo({
      operation: "search cases",
      method: "GET",
      path: "/dfo/3.0/contacts",
      params: {
        "channel[]": [this.connection.channelId],
        "status[]": query.statuses,
        scrollToken: query.scrollToken,
        ...(query.endUserIds ? { "endUserIdOnExternalPlatform[]": query.endUserIds } : {}),
        // NiCE's own SDK sorts the search with these (src/cxone/README.md §1).
        ...(query.newestFirst ? { sorting: "updatedAt", sortingType: "desc" } : {}),
      },
      schema: contactSearchSchema,
    });
    return { contacts: data.data, scrollToken: data.scrollToken };
  }

  /** Sets a case status (closed when the end user leaves); a case CXone no longer has counts as done. */
  async setContactStatus(contactId: string, status: "closed" | "resolved"): Promise<{ found: boolean }> {
    const res = await this.dfo({
      operation: "close case",
      method: "PUT",
      path: `/dfo/3.0/contacts/${enc(contactId)}/status`,
      body: { status },
      acceptStatus: [404],
    });
    return { found: res.status !== 404 };
  }

  /**
   * Marks a case the end user left before an agent took it as abandoned (CXone reports it as such, not as handled).
   * A case CXone no longer has counts as done.
   */
  async abandonContact(contactId: string): Promise<{ found: boolean }> {
    const res = await this.dfo({
      operation: "abandon case",
      method: "POST",
      path: `/dfo/3.0/contacts/${enc(contactId)}/abandon`,
      body: { type: "abandon" },
      // Abandoning an abandoned case changes nothing: safe to repeat.
      idempotent: true,
      acceptStatus: [404],
    });
    return { found: res.status !== 404 };
  }

  /**
   * The open case on one of our threads, found by searching the channel (no thread filter exists): used when CXone
   * answered a send with "duplicate" and so told us no case id. Stops after a few pages.
   */
  async findContactByThread(
    threadId: string,
    statuses: string[] = ["new", "open", "pending", "escalated"],
    maxPages = 4,
  ): Promise<CxoneContact | undefined> {
    let scrollToken: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const result = await this.searchContacts({ statuses, scrollToken });
      const found = result.contacts.find((c) => c.threadIdOnExternalPlatform === threadId);
      if (found) return found;
      if (!result.scrollToken || result.contacts.length === 0) return undefined;
      scrollToken = result.scrollToken;
    }
    return undefined;
  }

  async listChannels(): Promise<CxoneChannel[]> {
    const { data } = await this.dfo({
      operation: "list channels",
      method: "GET",
      path: "/dfo/3.0/channels",
      schema: channelListSchema,
    });
    return data;
  }

  // ---- Admin / real-time API ----

  /** Agents available and queue for a skill (admin API `skills/{id}/activity`, the version NiCE's own SDK uses). */
  async getSkillActivity(skillId: string): Promise<SkillActivity | undefined> {
    const { status, data } = await this.request("api", {
      operation: "get skill activity",
      method: "GET",
      path: `/InContactAPI/services/v23.0/skills/${enc(skillId)}/activity`,
      schema: skillActivityResponseSchema,
      acceptStatus: [404],
    });
    if (status === 404 || !data) return undefined;
    return data.skillActivity.find((s) => s.skillId === String(skillId)) ?? data.skillActivity[0];
  }

  // ---- the one authenticated request path ----

  private dfo<T>(req: ApiRequest<T>) {
    return this.request("dfo", req);
  }

  /** Adds the bearer; a 401/403 gets one fresh token and one more try (revoked or rotated token), then fails. */
  private async request<T>(base: "dfo" | "api", req: ApiRequest<T>) {
    for (let attempt = 0; ; attempt++) {
      const session = await this.auth.session(this.deadlineAt);
      try {
        return await this.transport.send(
          { ...req, url: baseOf(session, base) + req.path, headers: bearer(session) },
          this.deadlineAt,
        );
      } catch (err) {
        if (!(err instanceof CxoneAuthError) || attempt > 0) throw err;
        this.log("info", `CXone ${req.operation}: token refused (HTTP ${err.status}); re-authenticating once`);
        this.auth.invalidate(session.accessToken);
      }
    }
  }
}

type ApiRequest<T> = Omit<HttpRequest<T>, "url"> & { path: string };

const enc = encodeURIComponent;
const bearer = (s: AuthSession) => ({ Authorization: `Bearer ${s.accessToken}` });
const baseOf = (s: AuthSession, base: "dfo" | "api") => (base === "dfo" ? s.dfoBaseUrl : s.apiBaseUrl);
