// The CXone sandbox: a strict loopback stand-in for NiCE CXone's published contract, with scripted faults.
import { randomBytes, randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type AdminOptions, SandboxAdmin, type SandboxChannel } from "./admin-api";
import {
  type CONTACT_STATUSES,
  contractProblems,
  cxoneErrorBody,
  endpointFor,
  type NewMessage,
  refuseUnimplemented,
  sendCxoneError,
} from "./contract";

/**
 * A loopback stand-in for NiCE CXone: OpenID + tenant discovery, the access-key password grant, the Digital (DFO 3.0)
 * endpoints our client calls, the admin skill-activity API, and scripted faults. It is the strictest reading of NiCE's
 * published contract (testbed/sandbox/contract.ts): a query parameter or body field the contract does not name is refused
 * with CXone's 400 error body, answers carry only what the contract promises when asked to (`behaviour`), and every
 * undocumented behaviour has a switch so tests can run the product under each plausible reading.
 */

/** The connection's thread key in tests and the demo (the relay there is configured with the same). */
export const SANDBOX_THREAD_KEY = "sandbox-thread-key-0123456789abcdef";

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface SandboxAgent {
  id: string;
  /** CXone users may have no names at all (an integration or API user taking cases): then both are absent. */
  firstName?: string;
  surname?: string;
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
  attachments: { friendlyName: string; url: string; mimeType?: string }[];
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
  /**
   * The request is processed for real (a message is stored, a case changed) and only then is the answer replaced by
   * this status (or, with delayMs alone, held back): CXone did the work but the caller never heard.
   */
  landed?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Path and query string exactly as they arrived on the wire. */
  url: string;
  at: number;
  authorized: boolean;
  contentType?: string;
  /** The parsed query (keys as sent, brackets included) and body, for contract checks. */
  query?: Record<string, unknown>;
  body?: unknown;
  /** What the contract check found wrong (the request was refused with 400). */
  problems?: { field: string; message: string }[];
}

/**
 * Behaviour NiCE's artifacts leave open: each switch is one plausible reading, and the product must work under all.
 * Defaults are the reading our earlier code assumed.
 */
export interface SandboxBehaviour {
  /** A create-message whose idOnExternalPlatform CXone already has: 409 / stored again as a second message / 400. */
  duplicateMessage: "conflict" | "accept" | "reject";
  /** `POST /contacts/{id}/abandon`: closes the case / only sets `abandon` and leaves it routable. */
  abandon: "closes" | "flags";
  /** Create-message answer: both fields / `{}` (both optional in the OAS) / 201 without body / 204. */
  createMessageAnswer: "full" | "empty-object" | "no-body-201" | "no-body-204";
  /** cxone-configuration with the optional area/cluster or without them (OAS requires neither). */
  configuration: "full" | "minimal";
  /** Contacts with every field (null when empty) or only those NiCE's case schema requires. */
  contacts: "full" | "minimal";
  /**
   * Routing an agent to a case moves its updatedAt / leaves it (then the newest-updated-first search does not surface
   * the assignment; the relay's reconciliation must find it).
   */
  assignment: "moves-updatedAt" | "keeps-updatedAt";
  /** A case's status once its agent is unassigned (research-15-16 §9: not found): as it was / new / escalated. */
  statusAfterUnassign: "unchanged" | "new" | "escalated";
  /**
   * Which published path answers the case custom-field definitions (the other 404s), with its field spelling:
   * NiCE's spec (`/consumer-contact-custom-fields`, `required`) or NiCE's SDK (`/contacts/custom-field-definitions`,
   * `isRequired`). research-15-16 §7.
   */
  caseFieldDefinitions: "spec" | "sdk";
  /** `PUT /customers/{id}/custom-fields` answers `any` in the OAS, status not given: 200 with the customer / 204. */
  customerFieldsAnswer: "customer" | "no-content";
}

export const DEFAULT_BEHAVIOUR: SandboxBehaviour = {
  duplicateMessage: "conflict",
  abandon: "closes",
  createMessageAnswer: "full",
  configuration: "full",
  contacts: "full",
  assignment: "moves-updatedAt",
  statusAfterUnassign: "unchanged",
  caseFieldDefinitions: "spec",
  customerFieldsAnswer: "customer",
};

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
  channels?: SandboxChannel[];
  behaviour?: Partial<SandboxBehaviour>;
  agents?: SandboxAgent[];
  /** Integrations, skills and agents' login state (testbed/sandbox/admin-api.ts). */
  admin?: AdminOptions;
  /** Longest message text accepted (default 64,000); lower it to test what happens when a message is too long. */
  maxTextLength?: number;
  /** Access token lifetime in seconds (default 3600). */
  tokenTtlSeconds?: number;
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

/** An agent's login: the first name as CXone admins usually make it, else the user id for a user without names. */
const loginOf = (agent: SandboxAgent) => agent.firstName?.toLowerCase() ?? `user${agent.id}`;

const base64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
function fakeJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.${randomBytes(8).toString("base64url")}`;
}

export class CxoneSandbox {
  readonly credentials: SandboxCredentials;
  readonly tenantId: string;
  readonly cases = new Map<string, SandboxCase>();
  readonly requests: RecordedRequest[] = [];
  readonly channels: SandboxChannel[];
  readonly agents: SandboxAgent[];
  /** The tenant's case custom-field definitions (CXone admin: Digital > Custom fields). */
  readonly caseFields: { ident: string; label: string; type: "text" | "list"; values?: string[] }[] = [
    { ident: "tier", label: "Tier", type: "list", values: ["gold", "silver"] },
    { ident: "topic", label: "Topic", type: "text" },
    { ident: "order", label: "Order number", type: "text" },
    { ident: "intent", label: "Bot intent", type: "text" },
    { ident: "language", label: "Language", type: "text" },
  ];
  /** The tenant's customer-card custom-field definitions (CXone admin: Digital > Custom fields, customer card). */
  readonly customerFieldDefinitions: { ident: string; label: string; type: "text" | "list"; values?: string[] }[] = [
    { ident: "segment", label: "Segment", type: "list", values: ["vip", "regular"] },
    { ident: "crmId", label: "CRM id", type: "text" },
  ];
  /** Customers CXone made for end users, by end-user id on our platform; one per end user, like CXone's. */
  readonly customers = new Map<string, { id: string; customFields: { ident: string; value: string }[] }>();
  /** Switches for undocumented behaviour; tests may change them between requests. */
  behaviour: SandboxBehaviour;
  readonly admin: SandboxAdmin;
  tokenTtlSeconds: number;
  /** How far CXone's clock is ahead of ours (shows in the tokens' `iat`). */
  clockSkewMs = 0;
  url = "";

  private readonly app: FastifyInstance;
  private readonly tokens = new Map<string, number>();
  private readonly faults: (Fault & { times: number })[] = [];
  private readonly recordOf = new WeakMap<object, RecordedRequest>();
  private readonly lostAnswers = new WeakMap<object, Fault>();
  private readonly threads = new Map<string, string>();
  /** Every stored message by our idOnExternalPlatform (several under the "accept" duplicate reading). */
  private readonly messagesByExternalId = new Map<string, { caseId: string; message: SandboxMessage }[]>();
  private readonly skills = new Map<string, SkillFigures>();
  private caseSeq = 5000;
  private readonly connections = new Set<Socket>();

  constructor(private readonly options: SandboxOptions = {}) {
    this.credentials = { ...SANDBOX_CREDENTIALS, ...options.credentials };
    this.tenantId = options.tenantId ?? "11ee0000-sandbox-tenant";
    this.channels = options.channels ?? [{ id: SANDBOX_CHANNEL_ID, name: "Cognigy handover (sandbox)" }];
    this.agents = options.agents ?? DEFAULT_AGENTS;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
    this.admin = new SandboxAdmin(this.channels, (id, figures) => this.setSkillActivity(id, figures), options.admin);
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    this.app.server.on("connection", (socket: Socket) => {
      this.connections.add(socket);
      socket.once("close", () => this.connections.delete(socket));
    });
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

  /** Connections open to the sandbox now: a client's keep-alive sockets stay open until the client closes them. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** The connection a node or the relay uses to reach this sandbox. */
  connection() {
    return {
      authHost: this.url,
      ...this.credentials,
      channelId: this.channels[0].id,
      dfoBaseUrl: this.url,
      // Not a CXone value: the key Hand over signs thread ids with, shared with the relays tests start.
      threadKey: SANDBOX_THREAD_KEY,
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

  /** How many times CXone stored a message with this idOnExternalPlatform (the agent sees each one). */
  timesStored(idOnExternalPlatform: string): number {
    return this.messagesByExternalId.get(idOnExternalPlatform)?.length ?? 0;
  }

  /** A case routing may still hand to an agent: open statuses only (an abandon flag alone does not stop routing). */
  routable(caseId: string): boolean {
    const c = this.mustCase(caseId);
    return ["new", "open", "pending", "escalated"].includes(c.status);
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
    if (!this.routable(caseId)) throw new Error(`sandbox case ${caseId} is ${c.status}: routing cannot assign it`);
    c.inboxAssigneeUser = agent;
    this.setStatus(c, "open", this.behaviour.assignment === "moves-updatedAt");
    return c;
  }

  /**
   * The case goes back to the queue without an agent (the agent unassigned it, or routing took it back). Its status
   * afterwards is not published: the `statusAfterUnassign` switch picks one reading.
   */
  unassignAgent(caseId: string): SandboxCase {
    const c = this.mustCase(caseId);
    c.inboxAssigneeUser = undefined;
    const after = this.behaviour.statusAfterUnassign;
    this.setStatus(c, after === "unchanged" ? c.status : after, this.behaviour.assignment === "moves-updatedAt");
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
    if (!this.customers.has(endUserId)) this.customers.set(endUserId, { id: `cust-${randomUUID()}`, customFields: [] });
    return c;
  }

  // ---- HTTP ----

  private routes() {
    const app = this.app;

    app.addHook("onRequest", async (req, reply) => {
      const path = req.url.split("?")[0];
      const authorized = this.bearerValid(req);
      const record: RecordedRequest = {
        method: req.method,
        path,
        url: req.url,
        at: Date.now(),
        authorized,
        contentType: req.headers["content-type"],
      };
      this.requests.push(record);
      this.recordOf.set(req.raw, record);
      const fault = this.takeFault(req.method, path);
      if (!fault) return;
      if (fault.landed) {
        this.lostAnswers.set(req.raw, fault);
        return;
      }
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status === undefined) return;
      for (const [k, v] of Object.entries(fault.headers ?? {})) reply.header(k, v);
      return reply
        .code(fault.status)
        .send(fault.body ?? { errors: [{ message: "scripted fault", errorCode: "Fault" }] });
    });

    app.addHook("onSend", async (req, reply, payload) => {
      const lost = this.lostAnswers.get(req.raw);
      if (!lost) return payload;
      if (lost.delayMs) await new Promise((r) => setTimeout(r, lost.delayMs));
      if (lost.status === undefined) return payload;
      reply.code(lost.status).header("content-type", "application/json; charset=utf-8");
      return JSON.stringify(lost.body ?? { errors: [{ message: "scripted fault", errorCode: "Fault" }] });
    });

    // The contract check: runs once the body is parsed, before any route logic (testbed/sandbox/contract.ts).
    app.addHook("preHandler", async (req, reply) => {
      const path = req.url.split("?")[0];
      const endpoint = endpointFor(req.method, path);
      const recorded = this.recordOf.get(req.raw);
      const query = { ...(req.query as Record<string, unknown>) };
      if (recorded) {
        recorded.query = query;
        recorded.body = req.body;
      }
      if (!endpoint) return;
      const problems = contractProblems(endpoint, query, req.body, req.body !== undefined && req.body !== null);
      if (
        endpoint.form &&
        req.body !== undefined &&
        !/^application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "")
      ) {
        problems.push({ field: "body", message: "the token request is form-encoded" });
      }
      if (!problems.length) return;
      if (recorded) recorded.problems = problems;
      if (endpoint.form) {
        return reply.code(400).send({ error: "invalid_request", error_description: problems[0].message });
      }
      return reply.code(400).send(
        cxoneErrorBody(
          problems.map((p) => ({ ...p, errorCode: "InvalidRequest" })),
          randomUUID(),
        ),
      );
    });

    app.get("/.well-known/openid-configuration", async () => ({
      issuer: this.url,
      token_endpoint: `${this.url}/auth/token`,
      // NiCE's discovery document as the OAS types it: client_secret_basic only.
      token_endpoint_auth_methods_supported: ["client_secret_basic"],
    }));

    app.get("/.well-known/cxone-configuration", async (req, reply) => {
      const { tenantId } = req.query as { tenantId?: string };
      if (tenantId !== this.tenantId) return reply.code(404).send({ error: "unknown tenant" });
      // OAS requires private, ui_endpoint, auth_endpoint, api_endpoint, domain, uhDomain; the rest is optional.
      const required = {
        private: false,
        ui_endpoint: this.url,
        auth_endpoint: this.url,
        api_endpoint: this.url,
        domain: "localhost",
        uhDomain: "localhost",
      };
      if (this.behaviour.configuration === "minimal") return required;
      return { ...required, area: "sandbox", cluster: "S1", acdDomain: "localhost", tenantId };
    });

    app.post("/auth/token", async (req, reply) => this.issueToken(req, reply));

    app.register(async (api) => {
      api.addHook("onRequest", async (req, reply) => {
        if (!this.bearerValid(req)) {
          return reply.code(401).send({ error: "invalid_token", error_description: "token missing or expired" });
        }
      });
      this.dfoRoutes(api);
      this.admin.routes(api);
    });
  }

  private issueToken(req: FastifyRequest, reply: FastifyReply) {
    const body = (req.body ?? {}) as Record<string, string>;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [id, secret] = basic ? Buffer.from(basic, "base64").toString("utf8").split(/:(.*)/s) : [];
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
      id_token: fakeJwt({
        iss: this.url,
        tenantId: this.tenantId,
        area: "sandbox",
        iat: Math.floor((Date.now() + this.clockSkewMs) / 1000),
      }),
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
        return sendCxoneError(reply, 404, `Channel ${channelId} not found`, "ChannelNotFound");
      }
      // Shape already checked by the contract hook.
      const m = req.body as NewMessage;
      const text = typeof m.messageContent.payload.text === "string" ? m.messageContent.payload.text : "";
      const maxText = this.options.maxTextLength ?? 64_000;
      if (text.length > maxText) {
        return sendCxoneError(reply, 400, `text longer than ${maxText} characters`, "InvalidRequest", "messageContent");
      }
      if (this.messagesByExternalId.has(m.idOnExternalPlatform)) {
        if (this.behaviour.duplicateMessage === "conflict") {
          return sendCxoneError(
            reply,
            409,
            "Message with this idOnExternalPlatform already exists",
            "MessageAlreadyExists",
          );
        }
        if (this.behaviour.duplicateMessage === "reject") {
          return sendCxoneError(
            reply,
            400,
            "idOnExternalPlatform must be unique",
            "InvalidRequest",
            "idOnExternalPlatform",
          );
        }
      }
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
        text,
        attachments: m.attachments ?? [],
        createdAt: m.createdAtWithMilliseconds,
        author: m.authorEndUserIdentity,
      };
      c.messages.push(message);
      const stored = this.messagesByExternalId.get(m.idOnExternalPlatform) ?? [];
      stored.push({ caseId: c.id, message });
      this.messagesByExternalId.set(m.idOnExternalPlatform, stored);
      switch (this.behaviour.createMessageAnswer) {
        case "empty-object":
          return {};
        case "no-body-201":
          return reply.code(201).send();
        case "no-body-204":
          return reply.code(204).send();
        default:
          return {
            consumerContact: this.contactView(c),
            message: { id: message.id, idOnExternalPlatform: message.idOnExternalPlatform },
          };
      }
    });

    api.get("/dfo/3.0/messages", async (req, reply) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const refused = refuseUnimplemented(reply, q, [
        "idOnExternalPlatform[]",
        "channel[]",
        "contactNumber",
        "direction",
      ]);
      if (refused) return refused;
      const ids = list(q["idOnExternalPlatform[]"]);
      const channels = list(q["channel[]"]);
      const found = [...this.messagesByExternalId.entries()]
        .filter(([id]) => !ids || ids.includes(id))
        .flatMap(([, entries]) => entries)
        .filter((e) => !channels || channels.includes(this.cases.get(e.caseId)?.channelId ?? ""))
        .filter((e) => q.contactNumber === undefined || e.caseId === q.contactNumber)
        .filter((e) => q.direction === undefined || e.message.direction === q.direction);
      return {
        hits: found.length,
        data: found.map(({ caseId, message }) => ({
          id: message.id,
          idOnExternalPlatform: message.idOnExternalPlatform,
          direction: message.direction,
          createdAtWithMilliseconds: message.createdAt,
          contactNumber: caseId,
          threadIdOnExternalPlatform: this.cases.get(caseId)?.threadIdOnExternalPlatform,
          channel: { id: this.cases.get(caseId)?.channelId },
        })),
      };
    });

    api.post("/dfo/3.0/channels/:channelId/threads/:threadId/sender-actions", async (_req, reply) =>
      reply.code(204).send(),
    );

    for (const [reading, path] of [
      ["spec", "/dfo/3.0/consumer-contact-custom-fields"],
      ["sdk", "/dfo/3.0/contacts/custom-field-definitions"],
    ] as const) {
      api.get(path, async (_req, reply) => {
        if (this.behaviour.caseFieldDefinitions !== reading) return sendCxoneError(reply, 404, "Not found", "NotFound");
        return this.caseFields.map((f) => ({
          ident: f.ident,
          label: f.label,
          type: f.type,
          ...(reading === "spec" ? { required: false } : { isRequired: false }),
          isEditable: true,
          ...(f.values ? { values: f.values.map((value) => ({ name: value, value })) } : {}),
        }));
      });
    }

    api.get("/dfo/3.0/customers/custom-field-definitions", async () =>
      // DigitalCustomfields_CustomerCustomFieldDefinition: every field but values is required.
      this.customerFieldDefinitions.map((f) => ({
        ident: f.ident,
        label: f.label,
        type: f.type,
        isRequired: false,
        isEditable: true,
        isVisibleInRightPanel: true,
        isVisibleInCustomerCard: true,
        ...(f.values ? { values: f.values.map((value) => ({ name: value, value })) } : {}),
      })),
    );

    api.put("/dfo/3.0/customers/:id/custom-fields", async (req, reply) => {
      const customer = [...this.customers.values()].find((c) => c.id === (req.params as { id: string }).id);
      if (!customer) return sendCxoneError(reply, 404, "Customer not found", "CustomerNotFound");
      const fields = req.body as { ident: string; value: string }[];
      // What CXone does with an undefined ident or a value outside a list is unpublished: the strict reading refuses.
      for (const f of fields) {
        const def = this.customerFieldDefinitions.find((d) => d.ident === f.ident);
        if (!def || (def.values && !def.values.includes(f.value))) {
          return sendCxoneError(reply, 400, `Invalid custom field ${f.ident}`, "InvalidCustomField");
        }
      }
      for (const f of fields) {
        customer.customFields = [...customer.customFields.filter((k) => k.ident !== f.ident), f];
      }
      if (this.behaviour.customerFieldsAnswer === "no-content") return reply.code(204).send();
      return this.customerView(customer);
    });

    api.get("/dfo/3.0/contacts/:id", async (req, reply) => {
      const c = this.cases.get((req.params as { id: string }).id);
      return c ? this.contactView(c) : sendCxoneError(reply, 404, "Contact not found", "ContactNotFound");
    });

    api.get("/dfo/3.0/contacts", async (req, reply) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const refused = refuseUnimplemented(reply, q, [
        "channel[]",
        "status[]",
        "endUserIdOnExternalPlatform[]",
        "scrollToken",
        "sorting",
        "sortingType",
      ]);
      if (refused) return refused;
      const channels = list(q["channel[]"]);
      const statuses = list(q["status[]"]);
      const endUsers = list(q["endUserIdOnExternalPlatform[]"]);
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
      if (!c) return sendCxoneError(reply, 404, "Contact not found", "ContactNotFound");
      const { status } = req.body as { status: (typeof CONTACT_STATUSES)[number] };
      this.setStatus(c, status);
      return reply.code(204).send();
    });

    api.post("/dfo/3.0/contacts/:id/abandon", async (req, reply) => {
      const c = this.cases.get((req.params as { id: string }).id);
      if (!c) return sendCxoneError(reply, 404, "Contact not found", "ContactNotFound");
      const { type } = req.body as { type: string };
      // Assumed (undocumented): only a case nobody works on yet can be abandoned.
      if (c.inboxAssigneeUser) return sendCxoneError(reply, 400, "Contact is assigned to an agent", "ContactAssigned");
      c.abandon = { type, abandonedAt: new Date().toISOString() };
      if (this.behaviour.abandon === "closes") this.setStatus(c, "closed");
      return reply.code(204).send();
    });

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

  /** A case as CXone answers it: every field, or (contacts: "minimal") only what NiCE's case schema requires. */
  private contactView(c: SandboxCase) {
    const agent = c.inboxAssigneeUser;
    // DigitalContact_User: id is a number; emailAddress, loginUsername, isBotUser, isSurveyUser are required.
    const user = agent
      ? {
          id: Number(agent.id),
          emailAddress: `${loginOf(agent)}@example.invalid`,
          loginUsername: loginOf(agent),
          ...(agent.firstName ? { firstName: agent.firstName } : {}),
          ...(agent.surname ? { surname: agent.surname } : {}),
          ...(agent.nickname ? { nickname: agent.nickname } : {}),
          ...(agent.imageUrl ? { imageUrl: agent.imageUrl } : {}),
          isBotUser: agent.isBotUser ?? false,
          isSurveyUser: false,
        }
      : undefined;
    // common-sdk schema/events/cxone-case.js requires id, status, threadIdOnExternalPlatform, threadId, direction,
    // createdAt; the OAS makes every field optional.
    const required = {
      id: c.id,
      status: c.status,
      threadId: `thread-${c.id}`,
      threadIdOnExternalPlatform: c.threadIdOnExternalPlatform,
      direction: "inbound",
      createdAt: c.createdAt,
    };
    const customer = this.customers.get(c.endUserIdOnExternalPlatform ?? "");
    if (this.behaviour.contacts === "minimal") return { ...required, ...(user ? { inboxAssigneeUser: user } : {}) };
    return {
      ...required,
      channelId: c.channelId,
      routingQueueId: c.routingQueueId,
      inboxAssigneeUser: user ?? null,
      statusUpdatedAt: c.statusUpdatedAt,
      customFields: c.customFields,
      ...(c.abandon ? { abandon: c.abandon } : {}),
      ...(customer ? { endUser: this.customerView(customer) } : {}),
    };
  }

  /** DigitalContact_Customer with its required fields. */
  private customerView(customer: { id: string; customFields: { ident: string; value: string }[] }) {
    const endUserId = [...this.customers.entries()].find(([, c]) => c === customer)?.[0] ?? "";
    return {
      id: customer.id,
      updatedAt: new Date().toISOString(),
      customFields: customer.customFields,
      identities: [{ idOnExternalPlatform: endUserId }],
      messageStatistics: {},
      sentimentStatistics: {},
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

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : ([] as string[]).concat(v));

function matches(filter: { method?: string; path?: string | RegExp }, method: string, path: string): boolean {
  if (filter.method && filter.method.toUpperCase() !== method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === "string" ? path.includes(filter.path) : filter.path.test(path);
}

export async function startCxoneSandbox(options: SandboxOptions = {}): Promise<CxoneSandbox> {
  return new CxoneSandbox(options).start();
}
