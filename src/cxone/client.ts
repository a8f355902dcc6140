import { type AuthCache, Authenticator, type AuthSession, type PersistedAuth } from "./auth";
import { OPEN_STATUSES } from "./case-status";
import { type CxoneConnection, secretsOf } from "./config";
import {
  CxoneApiError,
  CxoneAuthError,
  CxoneConfigError,
  CxoneNetworkError,
  CxoneTimeoutError,
  describeError,
} from "./errors";
import { type CxoneLogger, scrubbingLogger, silentLogger } from "./log";
import { walkPages } from "./paging";
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from "./retry";
import {
  type CxoneChannel,
  type CxoneContact,
  type CxoneSkill,
  type CxoneSkillAgent,
  channelListSchema,
  contactSchema,
  contactSearchSchema,
  createMessageResponseSchema,
  type FieldDefinition,
  fieldDefinitionsSchema,
  messageSearchSchema,
  type NewChannel,
  type SkillActivity,
  skillActivityResponseSchema,
  skillAgentsSchema,
  skillListSchema,
} from "./schemas";
import { type CxoneHttp, type HttpRequest, Transport } from "./transport";

export interface CxoneClientOptions {
  log?: CxoneLogger;
  /** Total time every call of this client may take, retries included (a node has 20 s in all). */
  deadlineMs?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** A token cache restored from Cognigy context (see exportAuth). */
  persistedAuth?: unknown;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Where tokens and keep-alive sockets are kept between clients. Default: the process's, which is what nodes want
   * (one process per tenant). A relay passes its own and closes them with it.
   */
  authCache?: AuthCache;
  http?: CxoneHttp;
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

export interface ContactSearch {
  statuses: readonly string[];
  scrollToken?: string;
  newestFirst?: boolean;
  /** Only the cases of these end users (`endUserIdOnExternalPlatform[]`: the Cognigy userIds handovers send). */
  endUserIds?: string[];
}

/** One page of a case search. */
export interface ContactPage {
  contacts: CxoneContact[];
  scrollToken?: string;
}

/**
 * Where the case search continues after this page, or undefined at the end. An empty page ends it even with a token:
 * CXone has nothing more to give on it.
 */
export function nextScrollToken(page: ContactPage): string | undefined {
  return (page.contacts.length && page.scrollToken) || undefined;
}

/** Failures after which CXone may or may not have stored the message: the request may have arrived. */
function ambiguous(err: unknown): boolean {
  return (
    err instanceof CxoneTimeoutError ||
    err instanceof CxoneNetworkError ||
    (err instanceof CxoneApiError && err.status >= 500)
  );
}

/**
 * The shared NiCE CXone Digital client: every node and the relay go through it. Cheap to create (one per node
 * execution, carrying that execution's deadline); tokens and sockets are kept per connection in the caches its options
 * name (the process's by default).
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
      http: options.http,
    });
    this.auth = new Authenticator(connection, this.transport, options.authCache);
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
    const maxResends = this.options.retry?.maxRetries ?? DEFAULT_RETRY.maxRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        const { status, data } = await this.dfo({
          operation: "send message",
          method: "POST",
          path: `/dfo/3.0/channels/${enc(this.connection.channelId)}/messages`,
          body,
          // Not repeated blindly: whether CXone de-duplicates idOnExternalPlatform is undocumented, so a repeat after
          // an ambiguous failure first looks whether the message landed (below).
          idempotent: false,
          schema: createMessageResponseSchema,
          // 409 is one reading of "this idOnExternalPlatform exists": an earlier attempt landed.
          acceptStatus: [409],
        });
        if (status === 409) return { duplicate: true };
        const sent: SentMessage = {
          contactId: data?.consumerContact?.id,
          contactStatus: data?.consumerContact?.status,
          messageId: data?.message?.id,
          duplicate: false,
        };
        // Both answer fields are optional (and 201/204 may have no body): the stored message names its case.
        if (!sent.contactId) sent.contactId = await this.caseOfMessage(msg.messageId);
        return sent;
      } catch (err) {
        // A 400 may be another reading of "already exists"; anything ambiguous may have landed. Look before resending.
        const refused = err instanceof CxoneApiError && err.status === 400;
        if (!ambiguous(err) && !refused) throw err;
        let landed: { id?: string; contactId?: string } | undefined;
        try {
          landed = await this.findMessage(msg.messageId);
        } catch (lookupErr) {
          // Cannot tell whether it landed: a resend could show the agent the message twice.
          this.log("warn", `CXone send message: could not check whether it landed (${describeError(lookupErr)})`);
          throw err;
        }
        if (landed) {
          this.log("info", "CXone send message: an earlier attempt landed; not sending it again");
          return { contactId: landed.contactId, messageId: landed.id, duplicate: true };
        }
        const delay = backoffDelay(attempt, { ...DEFAULT_RETRY, ...this.options.retry });
        if (refused || attempt >= maxResends || this.timeLeft() <= delay) throw err;
        this.log(
          "warn",
          `CXone send message: ${describeError(err)}; not stored, sending again (${attempt + 1}/${maxResends})`,
        );
        await (this.options.sleep ?? sleepMs)(delay);
      }
    }
  }

  /** The case a stored message is in, when CXone's search can tell (a failed look-up is logged, not thrown). */
  private async caseOfMessage(messageId: string): Promise<string | undefined> {
    try {
      return (await this.findMessage(messageId))?.contactId;
    } catch (err) {
      this.log("info", `CXone send message: the answer named no case and the look-up failed (${describeError(err)})`);
      return undefined;
    }
  }

  /** Our message (by idOnExternalPlatform) as CXone stored it on this channel, with its case; undefined if absent. */
  async findMessage(messageId: string): Promise<{ id?: string; contactId?: string } | undefined> {
    const { data } = await this.dfo({
      operation: "find message",
      method: "GET",
      path: "/dfo/3.0/messages",
      params: { "idOnExternalPlatform[]": [messageId], "channel[]": [this.connection.channelId] },
      schema: messageSearchSchema,
    });
    const hit = data.data.find((m) => m.idOnExternalPlatform === messageId);
    return hit ? { id: hit.id, contactId: hit.contactNumber } : undefined;
  }

  /**
   * When the end user last wrote in a case, from one message search (contactNumber + direction, both OAS names).
   * `complete` is false when CXone holds more inbound messages than the answer lists (the newest may be missing).
   */
  async lastInboundMessageAt(contactId: string): Promise<{ at?: number; complete: boolean }> {
    const { data } = await this.dfo({
      operation: "search case messages",
      method: "GET",
      path: "/dfo/3.0/messages",
      params: { contactNumber: contactId, direction: "inbound" },
      schema: messageSearchSchema,
    });
    const times = data.data.map((m) => Date.parse(m.createdAtWithMilliseconds ?? "")).filter(Number.isFinite);
    const at = times.length ? Math.max(...times) : undefined;
    return { at, complete: data.hits === undefined || data.hits <= data.data.length };
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
      // A case without status is a CxoneApiError naming the field, never a parse crash.
      schema: contactSchema,
      acceptStatus: [404],
    });
    return status === 404 ? undefined : data;
  }

  /**
   * The tenant's case custom-field definitions. NiCE publishes two paths (research-15-16 §7): the spec's
   * `/consumer-contact-custom-fields` and the SDK's `/contacts/custom-field-definitions`; the second is asked only
   * when the first is not found.
   */
  async caseFieldDefinitions(): Promise<FieldDefinition[]> {
    for (const path of ["/dfo/3.0/consumer-contact-custom-fields", "/dfo/3.0/contacts/custom-field-definitions"]) {
      const { status, data } = await this.dfo({
        operation: "read case custom-field definitions",
        method: "GET",
        path,
        schema: fieldDefinitionsSchema,
        acceptStatus: [404],
      });
      if (status !== 404) return data;
    }
    return [];
  }

  /** The tenant's customer-card custom-field definitions (OAS getCustomerCustomFieldDefinitions). */
  async customerFieldDefinitions(): Promise<FieldDefinition[]> {
    const { data } = await this.dfo({
      operation: "read customer-card field definitions",
      method: "GET",
      path: "/dfo/3.0/customers/custom-field-definitions",
      schema: fieldDefinitionsSchema,
    });
    return data;
  }

  /**
   * Sets customer-card fields on the customer CXone made for the case (its `endUser.id`): idempotent, a repeat
   * writes the same values. A customer CXone no longer has is `found: false`.
   */
  async setCustomerFields(customerId: string, fields: { ident: string; value: string }[]): Promise<{ found: boolean }> {
    const res = await this.dfo({
      operation: "set customer-card fields",
      method: "PUT",
      path: `/dfo/3.0/customers/${enc(customerId)}/custom-fields`,
      body: fields,
      acceptStatus: [404],
    });
    return { found: res.status !== 404 };
  }

  /** One page of the channel's cases in the given statuses (the relay's poll). */
  async searchContacts(query: ContactSearch): Promise<ContactPage> {
    const { data } = await this.dfo({
      operation: "search cases",
      method: "GET",
      path: "/dfo/3.0/contacts",
      params: {
        "channel[]": [this.connection.channelId],
        "status[]": [...query.statuses],
        scrollToken: query.scrollToken,
        ...(query.endUserIds ? { "endUserIdOnExternalPlatform[]": query.endUserIds } : {}),
        // NiCE's own SDK sorts the search with these (src/cxone/README.md §1).
        ...(query.newestFirst ? { sorting: "updatedAt", sortingType: "desc" } : {}),
      },
      schema: contactSearchSchema,
    });
    return { contacts: data.data, scrollToken: data.scrollToken };
  }

  /** The pages of a case search in order, following scrollToken until CXone has no more (or maxPages). */
  contactPages(query: Omit<ContactSearch, "scrollToken">, maxPages = Number.POSITIVE_INFINITY) {
    return walkPages(async (scrollToken: string | undefined) => {
      const page = await this.searchContacts({ ...query, scrollToken });
      return { page, next: nextScrollToken(page) };
    }, maxPages);
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
    statuses: readonly string[] = OPEN_STATUSES,
    maxPages = 4,
  ): Promise<CxoneContact | undefined> {
    // Newest first: the case we look for was opened or updated moments ago, so it is on the first page.
    for await (const page of this.contactPages({ statuses, newestFirst: true }, maxPages)) {
      const found = page.contacts.find((c) => c.threadIdOnExternalPlatform === threadId);
      if (found) return found;
    }
    return undefined;
  }

  /** One page of the tenant's channels, or the first page with CXone's default size when no page is given. */
  async listChannels(page?: { page: number; size: number }): Promise<CxoneChannel[]> {
    const { data } = await this.dfo({
      operation: "list channels",
      method: "GET",
      path: "/dfo/3.0/channels",
      ...(page ? { params: { page: page.page, size: page.size } } : {}),
      schema: channelListSchema,
    });
    return data;
  }

  /**
   * Creates (or, for a known id, updates) a channel — NiCE's API is create/update by `id`, so the same call repeated
   * with the same id never makes a second channel.
   */
  async saveChannel(channel: NewChannel): Promise<void> {
    await this.dfo({
      operation: "create channel",
      method: "POST",
      path: "/dfo/3.0/channels",
      body: channel,
      idempotent: true,
    });
  }

  /** Who and where the credentials are: tenant, area, API hosts and the token's lifetime (the admin CLI). */
  async describeSession() {
    const s = await this.auth.session(this.deadlineAt);
    return {
      tenantId: s.tenantId,
      area: s.area,
      dfoBaseUrl: s.dfoBaseUrl,
      apiBaseUrl: s.apiBaseUrl,
      tokenLifetimeMs: s.lifetimeMs,
      issuedAt: s.issuedAt,
    };
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

  /** The tenant's skills of one media type (admin API; Digital is media type 9). */
  async listSkills(mediaTypeId?: number): Promise<CxoneSkill[]> {
    const { data } = await this.request("api", {
      operation: "list skills",
      method: "GET",
      path: "/InContactAPI/services/v23.0/skills",
      ...(mediaTypeId === undefined ? {} : { params: { mediaTypeId } }),
      schema: skillListSchema,
    });
    return data.skills;
  }

  /** The agents assigned to a skill; undefined when CXone does not know the skill. */
  async listSkillAgents(skillId: string): Promise<CxoneSkillAgent[] | undefined> {
    const { status, data } = await this.request("api", {
      operation: "list skill agents",
      method: "GET",
      path: `/InContactAPI/services/v23.0/skills/${enc(skillId)}/agents`,
      schema: skillAgentsSchema.optional(),
      acceptStatus: [404],
    });
    return status === 404 || !data ? undefined : data.agentSkillAssignments;
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

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** An id as one URL path segment, by a strict pattern: `.`, `..` or a slash can never reach another CXone path. */
function enc(id: string): string {
  if (!/^[A-Za-z0-9_.:@-]{1,1024}$/.test(id) || id === "." || id === "..") {
    throw new CxoneConfigError("id", "an id in a CXone URL may only hold letters, digits and _ . : @ -");
  }
  return encodeURIComponent(id);
}
const bearer = (s: AuthSession) => ({ Authorization: `Bearer ${s.accessToken}` });
const baseOf = (s: AuthSession, base: "dfo" | "api") => (base === "dfo" ? s.dfoBaseUrl : s.apiBaseUrl);
