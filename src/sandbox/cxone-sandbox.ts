import { randomBytes, randomUUID } from "node:crypto";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";

/**
 * A loopback stand-in for NiCE CXone: OpenID + tenant discovery, the access-key password grant, the Digital (DFO 3.0)
 * endpoints our client calls, the admin skill-activity API, and scripted faults. It enforces the contract (bearer on
 * every API call, required message fields, expired tokens) so tests fail when our client drifts from it.
 */

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface SandboxAgent {
  id: string;
  firstName: string;
  surname: string;
  nickname?: string;
  /** A CXone bot user (virtual agent) rather than a person. */
  isBotUser?: boolean;
  imageUrl?: string;
}

export interface SandboxMessage {
  id: string;
  idOnExternalPlatform: string;
  direction: "inbound" | "outbound";
  text: string;
  attachments: { friendlyName: string; url: string }[];
  createdAt: string;
  author: Record<string, unknown>;
}

export interface SandboxCase {
  id: string;
  channelId: string;
  threadIdOnExternalPlatform: string;
  status: string;
  routingQueueId: string;
  skillId?: number;
  customFields: { ident: string; value: string }[];
  inboxAssigneeUser?: SandboxAgent;
  abandon?: { type: string; abandonedAt: string };
  messages: SandboxMessage[];
  createdAt: string;
  statusUpdatedAt: string;
  /** The end user who opened the case (`endUserIdOnExternalPlatform[]` filters by it). */
  endUserIdOnExternalPlatform?: string;
  /**
   * What `sorting=updatedAt` orders by (ms). CXone does not return it (not in the contact schema), so neither do we;
   * undefined falls back to statusUpdatedAt (cases tests put in directly).
   */
  updatedAt?: number;
}

export interface Fault {
  method?: string;
  /** Substring or pattern of the request path (without query). */
  path?: string | RegExp;
  /** How many matching requests it answers (default 1). */
  times?: number;
  /** Matching requests to let through before it starts answering. */
  skip?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer after this long (with status) or, without status, delay the real answer. */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  at: number;
  authorized: boolean;
}

export interface SkillFigures {
  agentsAvailable: number;
  agentsLoggedIn: number;
  agentsWorking: number;
  agentsUnavailable: number;
  agentsACW: number;
  queueCount: number;
  earliestQueueTime?: string;
}

export interface SandboxOptions {
  credentials?: Partial<SandboxCredentials>;
  tenantId?: string;
  channels?: { id: string; name: string }[];
  agents?: SandboxAgent[];
  /** Longest message text accepted (default 64,000); lower it to test what happens when a message is too long. */
  maxTextLength?: number;
  /** Access token lifetime in seconds (default 3600). */
  tokenTtlSeconds?: number;
  /**
   * Whether assigning an agent moves a case's updatedAt (default true). Not published: `false` is the reading where
   * the newest-updated-first search does not surface an assignment.
   */
  assignmentTouchesUpdatedAt?: boolean;
  /** Cases per contact-search page (default 25, as CXone). */
  pageSize?: number;
  port?: number;
}

export const SANDBOX_CREDENTIALS: SandboxCredentials = {
  clientId: "sandbox-client",
  clientSecret: "sandbox-client-secret-0f3c9a",
  accessKeyId: "SANDBOXKEYID=",
  accessKeySecret: "sandbox/access+key=secret==",
};

export const SANDBOX_CHANNEL_ID = "chat_cognigy_sandbox";

const DEFAULT_AGENTS: SandboxAgent[] = [
  { id: "1001", firstName: "Anna", surname: "Smith", nickname: "Anna", imageUrl: "https://example.invalid/anna.png" },
  { id: "1002", firstName: "Ben", surname: "Okafor", imageUrl: "https://example.invalid/ben.png" },
];

const newMessageSchema = z.object({
  idOnExternalPlatform: z.string().min(1),
  direction: z.enum(["inbound", "outbound"]),
  createdAtWithMilliseconds: z.string().datetime({ offset: true }),
  thread: z.object({ idOnExternalPlatform: z.string().min(1).max(1024), threadName: z.string().optional() }),
  messageContent: z.object({ type: z.string(), payload: z.object({ text: z.string() }) }),
  authorEndUserIdentity: z.object({ idOnExternalPlatform: z.string().min(1) }).passthrough(),
  attachments: z.array(z.object({ friendlyName: z.string(), url: z.string().url() })).optional(),
  contact: z
    .object({
      skillId: z.number().int().optional(),
      customFields: z.array(z.object({ ident: z.string(), value: z.string() })).optional(),
    })
    .optional(),
});

const base64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
function fakeJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.${randomBytes(8).toString("base64url")}`;
}

function dfoError(reply: FastifyReply, status: number, message: string, errorCode: string, field?: string) {
  return reply.code(status).send({ errors: [{ field, message, parameters: {}, errorCode }], uid: randomUUID() });
}

export class CxoneSandbox {
  readonly credentials: SandboxCredentials;
  readonly tenantId: string;
  readonly cases = new Map<string, SandboxCase>();
  readonly requests: RecordedRequest[] = [];
  readonly channels: { id: string; name: string }[];
  readonly agents: SandboxAgent[];
  tokenTtlSeconds: number;
  url = "";

  private readonly app: FastifyInstance;
  private readonly tokens = new Map<string, number>();
  private readonly faults: (Fault & { times: number })[] = [];
  private readonly threads = new Map<string, string>();
  private readonly messageIds = new Set<string>();
  private readonly skills = new Map<string, SkillFigures>();
  private caseSeq = 5000;

  constructor(private readonly options: SandboxOptions = {}) {
    this.credentials = { ...SANDBOX_CREDENTIALS, ...options.credentials };
    this.tenantId = options.tenantId ?? "11ee0000-sandbox-tenant";
    this.channels = options.channels ?? [{ id: SANDBOX_CHANNEL_ID, name: "Cognigy handover (sandbox)" }];
    this.agents = options.agents ?? DEFAULT_AGENTS;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    this.app.register(formbody);
    this.routes();
  }

  async start(): Promise<this> {
    const address = await this.app.listen({ host: "127.0.0.1", port: this.options.port ?? 0 });
    this.url = address.replace("localhost", "127.0.0.1");
    return this;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  /** The connection a node or the relay uses to reach this sandbox. */
  connection() {
    return {
      authHost: this.url,
      ...this.credentials,
      channelId: this.channels[0].id,
      dfoBaseUrl: this.url,
    };
  }

  // ---- scripting ----

  /** The next matching request(s) get this answer instead of the real one. */
  fault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Access tokens issued so far (tests assert none of them leaks). */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  /** Every token issued so far stops working (as after revocation or expiry). */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  setSkillActivity(skillId: string, figures: Partial<SkillFigures>): void {
    const current = this.skills.get(skillId) ?? {
      agentsAvailable: 0,
      agentsLoggedIn: 0,
      agentsWorking: 0,
      agentsUnavailable: 0,
      agentsACW: 0,
      queueCount: 0,
    };
    this.skills.set(skillId, { ...current, ...figures });
  }

  caseForThread(threadId: string): SandboxCase | undefined {
    const id = this.threads.get(threadId);
    return id ? this.cases.get(id) : undefined;
  }

  /** Routing assigns the case to an agent (or another agent: a transfer). */
  assignAgent(caseId: string, agentId = this.agents[0].id): SandboxCase {
    const c = this.mustCase(caseId);
    const agent = this.agents.find((a) => a.id === agentId);
    if (!agent) throw new Error(`sandbox has no agent ${agentId}`);
    c.inboxAssigneeUser = agent;
    this.setStatus(c, "open", this.options.assignmentTouchesUpdatedAt !== false);
    return c;
  }

  /** The agent ends the case ("resolved" by default; CXone also has "closed"). */
  closeCase(caseId: string, status: "resolved" | "closed" = "resolved"): SandboxCase {
    const c = this.mustCase(caseId);
    this.setStatus(c, status);
    return c;
  }

  /** Opens one case per thread id straight in the store (no HTTP): the bench's thousands of open handovers. */
  createCases(handovers: { threadId: string; endUserId: string }[]): string[] {
    return handovers.map((h) => this.newCase(this.channels[0].id, h.threadId, h.endUserId).id);
  }

  /** Records an agent message in the case, as CXone would before calling the BYOC middleware. */
  recordAgentMessage(caseId: string, text: string): SandboxMessage {
    const c = this.mustCase(caseId);
    c.updatedAt = Date.now();
    const message: SandboxMessage = {
      id: `msg-${randomUUID()}`,
      idOnExternalPlatform: "",
      direction: "outbound",
      text,
      attachments: [],
      createdAt: new Date().toISOString(),
      author: { ...(c.inboxAssigneeUser ?? {}) },
    };
    c.messages.push(message);
    return message;
  }

  requestCount(filter: { method?: string; path?: string | RegExp } = {}): number {
    return this.requests.filter((r) => matches(filter, r.method, r.path)).length;
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  private mustCase(caseId: string): SandboxCase {
    const c = this.cases.get(caseId);
    if (!c) throw new Error(`sandbox has no case ${caseId}`);
    return c;
  }

  private setStatus(c: SandboxCase, status: string, touch = true) {
    c.status = status;
    c.statusUpdatedAt = new Date().toISOString();
    if (touch) c.updatedAt = Date.now();
  }

  private newCase(
    channelId: string,
    threadId: string,
    endUserId: string,
    contact?: { skillId?: number; customFields?: SandboxCase["customFields"] },
  ) {
    const now = new Date();
    const c: SandboxCase = {
      id: String(++this.caseSeq),
      channelId,
      threadIdOnExternalPlatform: threadId,
      status: "new",
      routingQueueId: "queue-default",
      skillId: contact?.skillId,
      customFields: contact?.customFields ?? [],
      messages: [],
      createdAt: now.toISOString(),
      statusUpdatedAt: now.toISOString(),
      updatedAt: now.getTime(),
      endUserIdOnExternalPlatform: endUserId,
    };
    this.cases.set(c.id, c);
    this.threads.set(threadId, c.id);
    return c;
  }

  // ---- HTTP ----

  private routes() {
    const app = this.app;

    app.addHook("onRequest", async (req, reply) => {
      const path = req.url.split("?")[0];
      const authorized = this.bearerValid(req);
      this.requests.push({ method: req.method, path, at: Date.now(), authorized });
      const fault = this.takeFault(req.method, path);
      if (!fault) return;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status === undefined) return;
      for (const [k, v] of Object.entries(fault.headers ?? {})) reply.header(k, v);
      return reply
        .code(fault.status)
        .send(fault.body ?? { errors: [{ message: "scripted fault", errorCode: "Fault" }] });
    });

    app.get("/.well-known/openid-configuration", async () => ({
      issuer: this.url,
      token_endpoint: `${this.url}/auth/token`,
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    }));

    app.get("/.well-known/cxone-configuration", async (req, reply) => {
      const { tenantId } = req.query as { tenantId?: string };
      if (tenantId !== this.tenantId) return reply.code(404).send({ error: "unknown tenant" });
      return { area: "sandbox", domain: "localhost", api_endpoint: this.url, tenantId, cluster: "S1" };
    });

    app.post("/auth/token", async (req, reply) => this.issueToken(req, reply));

    app.register(async (api) => {
      api.addHook("onRequest", async (req, reply) => {
        if (!this.bearerValid(req)) {
          return reply.code(401).send({ error: "invalid_token", error_description: "token missing or expired" });
        }
      });
      this.dfoRoutes(api);
    });
  }

  private issueToken(req: FastifyRequest, reply: FastifyReply) {
    const body = (req.body ?? {}) as Record<string, string>;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, "base64").toString("utf8").split(/:(.*)/s)
      : [body.client_id, body.client_secret];
    if (id !== this.credentials.clientId || secret !== this.credentials.clientSecret) {
      return reply.code(401).send({ error: "invalid_client", error_description: "client authentication failed" });
    }
    if (body.grant_type !== "password") return reply.code(400).send({ error: "unsupported_grant_type" });
    if (body.username !== this.credentials.accessKeyId || body.password !== this.credentials.accessKeySecret) {
      return reply.code(400).send({ error: "invalid_grant", error_description: "invalid access key" });
    }
    const accessToken = `sbx.${randomBytes(24).toString("base64url")}`;
    this.tokens.set(accessToken, Date.now() + this.tokenTtlSeconds * 1000);
    return {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: this.tokenTtlSeconds,
      refresh_token: randomBytes(16).toString("base64url"),
      id_token: fakeJwt({ iss: this.url, tenantId: this.tenantId, area: "sandbox" }),
    };
  }

  private bearerValid(req: FastifyRequest): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expiresAt = token ? this.tokens.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  private dfoRoutes(api: FastifyInstance) {
    api.post("/dfo/3.0/channels/:channelId/messages", async (req, reply) => {
      const { channelId } = req.params as { channelId: string };
      if (!this.channels.some((c) => c.id === channelId)) {
        return dfoError(reply, 404, `Channel ${channelId} not found`, "ChannelNotFound");
      }
      const parsed = newMessageSchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return dfoError(reply, 400, issue.message, "InvalidRequest", issue.path.join("."));
      }
      const m = parsed.data;
      const maxText = this.options.maxTextLength ?? 64_000;
      if (m.messageContent.payload.text.length > maxText) {
        return dfoError(reply, 400, `text longer than ${maxText} characters`, "InvalidRequest", "messageContent");
      }
      if (this.messageIds.has(m.idOnExternalPlatform)) {
        return dfoError(reply, 409, "Message with this idOnExternalPlatform already exists", "MessageAlreadyExists");
      }
      this.messageIds.add(m.idOnExternalPlatform);
      let c = this.caseForThread(m.thread.idOnExternalPlatform);
      if (!c || ["resolved", "closed", "trashed"].includes(c.status)) {
        c = this.newCase(
          channelId,
          m.thread.idOnExternalPlatform,
          m.authorEndUserIdentity.idOnExternalPlatform,
          m.contact,
        );
      }
      c.updatedAt = Date.now();
      const message: SandboxMessage = {
        id: `msg-${randomUUID()}`,
        idOnExternalPlatform: m.idOnExternalPlatform,
        direction: m.direction,
        text: m.messageContent.payload.text,
        attachments: m.attachments ?? [],
        createdAt: m.createdAtWithMilliseconds,
        author: m.authorEndUserIdentity,
      };
      c.messages.push(message);
      return {
        consumerContact: this.contactView(c),
        message: { id: message.id, idOnExternalPlatform: message.idOnExternalPlatform },
      };
    });

    api.post("/dfo/3.0/channels/:channelId/threads/:threadId/sender-actions", async (req, reply) => {
      const { action } = (req.body ?? {}) as { action?: string };
      if (action !== "isTypingOn" && action !== "isTypingOff") {
        return dfoError(reply, 400, "action must be isTypingOn or isTypingOff", "InvalidRequest", "action");
      }
      return reply.code(204).send();
    });

    api.get("/dfo/3.0/contacts/:id", async (req, reply) => {
      const c = this.cases.get((req.params as { id: string }).id);
      return c ? this.contactView(c) : dfoError(reply, 404, "Contact not found", "ContactNotFound");
    });

    api.get("/dfo/3.0/contacts", async (req) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const list = (v: string | string[] | undefined) => (v === undefined ? undefined : ([] as string[]).concat(v));
      const channels = list(q["channel[]"] ?? q.channel);
      const statuses = list(q["status[]"] ?? q.status);
      const endUsers = list(q["endUserIdOnExternalPlatform[]"] ?? q.endUserIdOnExternalPlatform);
      const all = [...this.cases.values()].filter(
        (c) =>
          (!channels || channels.includes(c.channelId)) &&
          (!statuses || statuses.includes(c.status)) &&
          (!endUsers || endUsers.includes(c.endUserIdOnExternalPlatform ?? "")),
      );
      if (q.sorting === "updatedAt") {
        const order = q.sortingType === "asc" ? 1 : -1;
        const key = (c: SandboxCase) => c.updatedAt ?? Date.parse(c.statusUpdatedAt);
        all.sort((a, b) => order * (key(a) - key(b)));
      }
      const size = this.options.pageSize ?? 25;
      const start = q.scrollToken ? Number(q.scrollToken) : 0;
      const page = all.slice(start, start + size);
      const next = start + size < all.length ? String(start + size) : undefined;
      return { hits: all.length, data: page.map((c) => this.contactView(c)), scrollToken: next };
    });

    api.put("/dfo/3.0/contacts/:id/status", async (req, reply) => {
      const c = this.cases.get((req.params as { id: string }).id);
      if (!c) return dfoError(reply, 404, "Contact not found", "ContactNotFound");
      const { status } = (req.body ?? {}) as { status?: string };
      const allowed = ["new", "open", "pending", "escalated", "resolved", "closed", "trashed"];
      if (!status || !allowed.includes(status)) {
        return dfoError(reply, 400, `status must be one of ${allowed.join(", ")}`, "InvalidStatus", "status");
      }
      this.setStatus(c, status);
      return this.contactView(c);
    });

    api.post("/dfo/3.0/contacts/:id/abandon", async (req, reply) => {
      const c = this.cases.get((req.params as { id: string }).id);
      if (!c) return dfoError(reply, 404, "Contact not found", "ContactNotFound");
      const { type } = (req.body ?? {}) as { type?: string };
      if (!type || !["abandon", "expired", "shortAbandon"].includes(type)) {
        return dfoError(reply, 400, "type must be abandon, expired or shortAbandon", "InvalidRequest", "type");
      }
      // Assumed (undocumented): only a case nobody works on yet can be abandoned.
      if (c.inboxAssigneeUser) return dfoError(reply, 400, "Contact is assigned to an agent", "ContactAssigned");
      c.abandon = { type, abandonedAt: new Date().toISOString() };
      this.setStatus(c, "closed");
      return reply.code(204).send();
    });

    api.get("/dfo/3.0/channels", async () =>
      this.channels.map((c) => ({ ...c, channelIntegrationId: "byoc-sandbox", isPrivate: false })),
    );

    api.get("/InContactAPI/services/:version/skills/:skillId/activity", async (req, reply) => {
      const { skillId } = req.params as { skillId: string };
      const figures = this.skills.get(skillId);
      if (!figures) return reply.code(404).send({ error: "Skill not found" });
      return {
        lastPollTime: new Date().toISOString(),
        skillActivity: [{ skillId: Number(skillId), skillName: `Skill ${skillId}`, ...figures }],
      };
    });
  }

  private contactView(c: SandboxCase) {
    return {
      id: c.id,
      status: c.status,
      channelId: c.channelId,
      threadIdOnExternalPlatform: c.threadIdOnExternalPlatform,
      routingQueueId: c.routingQueueId,
      inboxAssigneeUser: c.inboxAssigneeUser
        ? { ...c.inboxAssigneeUser, isBotUser: c.inboxAssigneeUser.isBotUser ?? false }
        : null,
      statusUpdatedAt: c.statusUpdatedAt,
      customFields: c.customFields,
    };
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => matches(f, method, path));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (fault.skip) {
      fault.skip -= 1;
      return undefined;
    }
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

function matches(filter: { method?: string; path?: string | RegExp }, method: string, path: string): boolean {
  if (filter.method && filter.method.toUpperCase() !== method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === "string" ? path.includes(filter.path) : filter.path.test(path);
}

export async function startCxoneSandbox(options: SandboxOptions = {}): Promise<CxoneSandbox> {
  return new CxoneSandbox(options).start();
}
