import { randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";
import { z } from "zod";

/**
 * NiCE's published CXone contract, transcribed: every endpoint the product calls, the query names and body fields each
 * one takes, and the source that says so. The sandbox refuses whatever this file does not name (one rule in one
 * place: the sandbox and test/contract.test.ts both read it). Sources, none written by us:
 * - OAS: `calljacob/nice-cxone-api` at 28a1bd4b4a5345000b39171d40d0da1bc4c09ae6, TypeScript generated from NiCE's
 *   OpenAPI 3.0.3 specs (keeps `required`, drops status codes and formats).
 * - SDK: npm `@nice-devone/{common,core,agent,auth}-sdk@25.1.2` (NiCE's own code; path inside the tarball).
 * - SAMPLE: `ben-elliot-nice/dfo-byoc-sample-app` at b2154b5 (NiCE employee's BYOC middleware).
 * - DEMO: unofficial public BYOC middlewares (weak evidence; used only where nothing better exists).
 */

export const OAS = "calljacob/nice-cxone-api@28a1bd4b";
const MESSAGES = `${OAS} src/services/digitalEngagement/DigitalMessageService.ts`;
const CONTACTS = `${OAS} src/services/digitalEngagement/DigitalContactService.ts`;
const THREADS = `${OAS} src/services/digitalEngagement/DigitalThreadService.ts`;
const CHANNELS = `${OAS} src/services/digitalEngagement/DigitalChannelService.ts`;
const AUTH = `${OAS} src/services/auth/AuthenticationGlobalauthenticationService.ts`;
const SKILLS = `${OAS} src/services/admin/AdminSkillsService.ts`;
/** Read at 6b6290d9, the commit the file index holds; the same generator output as OAS. */
const CUSTOMERS = "calljacob/nice-cxone-api@6b6290d9 src/services/digitalEngagement/DigitalCustomerService.ts";
const CUSTOM_FIELDS = "calljacob/nice-cxone-api@6b6290d9 src/services/digitalEngagement/DigitalCustomfieldsService.ts";

export interface Endpoint {
  /** Short name used in test coverage reports. */
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path pattern; `:name` segments match one path segment. */
  path: string;
  /** Every query parameter the source names (brackets are part of the name). */
  query: readonly string[];
  requiredQuery?: readonly string[];
  /** The request body as the source types it (strict: an unnamed field is refused). */
  body?: z.ZodTypeAny;
  /** Content type of the body when it is not JSON. */
  form?: boolean;
  source: string;
}

const str = z.string();
const customField = z.object({ ident: str, value: str }).strict();
const recipient = z
  .object({
    idOnExternalPlatform: str,
    name: str.optional(),
    isPrimary: z.boolean().optional(),
    isPrivate: z.boolean().optional(),
    anonymizedAt: str.optional(),
    anonymizedReason: z.enum(["GDPR", "TTL", "other"]).optional(),
  })
  .strict();

/** `DigitalMessage_PlatformBackendMessageContentToCreate`: the content types an integration may create. */
export const CREATE_CONTENT_TYPES = ["TEXT", "PLUGIN", "QUICK_REPLIES", "LIST_PICKER", "RICH_LINK", "ADAPTIVE_CARD"];
const textPayload = z.object({ text: str.optional() }).strict();
const messageContentToCreate = z
  .object({
    type: z.enum(CREATE_CONTENT_TYPES as [string, ...string[]]),
    payload: z.record(z.unknown()),
    fallbackText: str.optional(),
    postback: str.optional(),
  })
  .strict()
  .superRefine((content, ctx) => {
    if (content.type !== "TEXT") return;
    const parsed = textPayload.safeParse(content.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      ctx.addIssue({ ...issue, path: ["payload", ...issue.path] } as z.IssueData);
    }
  });

/** `DigitalMessage_NewMessage` (required: idOnExternalPlatform, direction, createdAtWithMilliseconds, thread, …). */
export const newMessageSchema = z
  .object({
    idOnExternalPlatform: str.min(1),
    deletedOnExternalPlatform: z.boolean().optional(),
    url: str.optional(),
    direction: z.enum(["inbound", "outbound"]),
    createdAtWithMilliseconds: str.datetime({ offset: true }),
    tagIds: z.array(z.number().int()).optional(),
    reactionStatistics: z
      .object({
        likes: z.number().optional(),
        shares: z.number().optional(),
        isLikedByChannel: z.boolean().optional(),
        isSharedByChannel: z.boolean().optional(),
      })
      .strict()
      .optional(),
    // ThreadToCreate & { idOnExternalPlatform: string }
    thread: z.object({ idOnExternalPlatform: str.min(1), threadName: str.optional() }).strict(),
    replyToMessage: z.object({ idOnExternalPlatform: str.optional() }).strict().optional(),
    isReplyToSpecificMessage: z.boolean().optional(),
    title: str.optional(),
    messageContent: messageContentToCreate,
    authorEndUserIdentity: z
      .object({
        idOnExternalPlatform: str.min(1),
        firstName: str.optional(),
        lastName: str.optional(),
        nickname: str.optional(),
        image: str.optional(),
        customFields: z.array(customField.extend({ updatedAt: str.optional() })).optional(),
      })
      .strict(),
    browserFingerprint: z.record(z.unknown()).optional(),
    // ContactInformation = ContactInformationBase & { status?: escalated | pending | resolved }
    contact: z
      .object({
        customFields: z.array(customField).optional(),
        elevation: z.record(z.unknown()).optional(),
        status: z.enum(["escalated", "pending", "resolved"]).optional(),
        direction: z.enum(["inbound", "outbound"]).optional(),
        statusUpdatedAt: str.optional(),
        skillId: z.number().int().optional(),
      })
      .strict()
      .optional(),
    attachments: z.array(z.object({ friendlyName: str, url: str.url() }).strict()).optional(),
    recipients: z.array(recipient).optional(),
    authorRecipients: z.array(recipient).optional(),
    externalAttributes: z.array(z.object({ key: str, value: str }).strict()).optional(),
  })
  .strict();
export type NewMessage = z.output<typeof newMessageSchema>;

/** The realExternalPlatformId values NiCE's OpenAPI allows (`NewChannel`). */
const PLATFORMS = [
  "apple-apps-reviews",
  "apple-business-chat",
  "bg",
  "bw",
  "chat",
  "congstar-forum",
  "custom",
  "cypress",
  "discussions",
  "email",
  "facebook",
  "fb",
  "fm",
  "forum",
  "gcse",
  "gl",
  "google-business-messages",
  "google-places",
  "google-play",
  "google-rcs",
  "gp",
  "ig",
  "in-contact-email",
  "ind",
  "instagram",
  "kik",
  "lc",
  "li",
  "line",
  "mediatoolkit",
  "microsoft-teams",
  "mock",
  "monitora",
  "news",
  "nw",
  "ok-ru",
  "phpbb",
  "rss",
  "sandbox",
  "sandbox-facebook",
  "sandbox-twitter",
  "sendbird",
  "slack",
  "smooch-io-we-chat",
  "sms",
  "social-watch",
  "t-mobile-austria-forum",
  "talkdesk",
  "telegram",
  "tmobile-forum",
  "tw",
  "twitter",
  "viber",
  "vk",
  "vo",
  "voice",
  "we-chat",
  "whatsapp",
  "youscan",
  "yt",
  "zoom",
] as const;

/**
 * `DigitalChannel_NewChannel`: the seven required fields and the optional ones our client may send; the OAS names
 * more optional fields, which the sandbox still refuses (stricter than the source, never more lenient).
 */
export const newChannelSchema = z
  .object({
    id: str.min(1),
    idOnExternalPlatform: str.min(1),
    channelIntegrationId: str.min(1),
    realExternalPlatformId: z.enum(PLATFORMS),
    name: str.min(1),
    isPrivate: z.boolean(),
    hasTreeStructure: z.boolean(),
    contentFormat: z.enum(["html", "plain"]).optional(),
    hasReply: z.boolean().optional(),
    hasAbilityToSendFiles: z.boolean().optional(),
    studioScript: str.optional(),
  })
  .strict();

export type NewChannel = z.output<typeof newChannelSchema>;

export const CONTACT_STATUSES = ["closed", "escalated", "new", "open", "pending", "resolved", "trashed"] as const;

/** Every request the product sends to CXone, as NiCE's artifacts name it. */
export const ENDPOINTS: readonly Endpoint[] = [
  {
    name: "openid-configuration",
    method: "GET",
    path: "/.well-known/openid-configuration",
    query: [],
    source: `${AUTH} getOIDCConfig (token_endpoint_auth_methods_supported: client_secret_basic only)`,
  },
  {
    name: "token",
    method: "POST",
    path: "/auth/token",
    query: [],
    form: true,
    // tokenAccessKeyRequest and tokenRefreshRequest (+ the scope NiCE's auth-sdk adds to a refresh,
    // src/lib/cxone-auth.js). The body may name the client, but discovery offers client_secret_basic only.
    body: z
      .object({
        grant_type: z.enum(["password", "refresh_token"]),
        username: str.optional(),
        password: str.optional(),
        client_id: str.optional(),
        client_secret: str.optional(),
        refresh_token: str.optional(),
        scope: str.optional(),
      })
      .strict(),
    source: `${AUTH} getToken; SDK auth-sdk src/lib/cxone-auth.js`,
  },
  {
    name: "cxone-configuration",
    method: "GET",
    path: "/.well-known/cxone-configuration",
    query: ["tenantId"],
    requiredQuery: ["tenantId"],
    source: `${AUTH} getCXoneConfig; SDK common-sdk src/lib/model/authenticate/cxone-configuration.js`,
  },
  {
    name: "create message",
    method: "POST",
    path: "/dfo/3.0/channels/:channelId/messages",
    query: [],
    body: newMessageSchema,
    source: `${MESSAGES} channelsChannelIdCreatemessage`,
  },
  {
    name: "search messages",
    method: "GET",
    path: "/dfo/3.0/messages",
    query: [
      "query",
      "idOnExternalPlatform[]",
      "channel[]",
      "tag[]",
      "excludeTag[]",
      "contactNumber",
      "authorIdOnExternalPlatform[]",
      "direction",
      "contentContains",
      "contentNotContains",
    ],
    source: `${MESSAGES} searchMessages`,
  },
  {
    name: "sender action",
    method: "POST",
    path: "/dfo/3.0/channels/:channelId/threads/:threadId/sender-actions",
    query: [],
    body: z.object({ action: z.enum(["isTypingOn", "isTypingOff"]).optional() }).strict(),
    source: `${THREADS} sendSenderAction`,
  },
  {
    name: "case custom-field definitions",
    method: "GET",
    path: "/dfo/3.0/consumer-contact-custom-fields",
    query: [],
    source: `${OAS} src/services/digitalEngagement/DigitalCustomfieldsService.ts`,
  },
  {
    // Before "get contact": its :contactId pattern would match this path too.
    name: "case custom-field definitions (SDK path)",
    method: "GET",
    path: "/dfo/3.0/contacts/custom-field-definitions",
    query: [],
    source: "@nice-devone/core-sdk@25.1.2 src/constants/api-uri-constants.js CONTACT_CUSTOM_FIELD_DEFINITIONS",
  },
  {
    name: "customer-card field definitions",
    method: "GET",
    path: "/dfo/3.0/customers/custom-field-definitions",
    query: [],
    source: `${CUSTOM_FIELDS} getCustomerCustomFieldDefinitions; SDK core-sdk api-uri-constants.js GET_CUSTOM_FIELD_DEFINITIONS`,
  },
  {
    name: "set customer-card fields",
    method: "PUT",
    path: "/dfo/3.0/customers/:customerId/custom-fields",
    query: [],
    // Array<DigitalCustomer_CustomField>; its optional updatedAt is CXone's to set, so we refuse it (stricter).
    body: z.array(customField),
    source: `${CUSTOMERS} updateCustomerCustomFields; SDK agent-sdk customer-card-service.js updateCustomFields`,
  },
  {
    name: "get contact",
    method: "GET",
    path: "/dfo/3.0/contacts/:contactId",
    query: [],
    source: `${CONTACTS} getContact`,
  },
  {
    name: "search contacts",
    method: "GET",
    path: "/dfo/3.0/contacts",
    query: [
      "channel[]",
      "tag[]",
      "routingQueueId[]",
      "status[]",
      "endUserIdOnExternalPlatform[]",
      "query",
      "calculateClosedFrtNoReply",
      "scrollToken",
      // Not in the OpenAPI, but NiCE's own SDK sends them on this path (common-sdk src/util/utility.js,
      // agent-sdk src/lib/customer-card/service/customer-card-service.js).
      "sorting",
      "sortingType",
    ],
    source: `${CONTACTS} searchContacts; SDK common-sdk src/util/utility.js`,
  },
  {
    name: "change contact status",
    method: "PUT",
    path: "/dfo/3.0/contacts/:contactId/status",
    query: [],
    body: z.object({ status: z.enum(CONTACT_STATUSES), updatedByUserId: z.number().int().optional() }).strict(),
    source: `${CONTACTS} (DigitalContact_ContactStatusUpdate); SDK core-sdk constants/api-uri-constants.js`,
  },
  {
    name: "abandon contact",
    method: "POST",
    path: "/dfo/3.0/contacts/:contactId/abandon",
    query: [],
    body: z.object({ type: z.enum(["abandon", "expired", "shortAbandon"]) }).strict(),
    source: `${CONTACTS} createContactsContactnumberAbandon`,
  },
  {
    name: "list channels",
    method: "GET",
    path: "/dfo/3.0/channels",
    query: [
      "id[]",
      "isPrivate",
      "hasManualOutboundFlow",
      "withPermissionToManualOutbound",
      "size",
      "page",
      "orderBy",
      "order",
    ],
    source: `${CHANNELS} getChannels`,
  },
  {
    name: "create channel",
    method: "POST",
    path: "/dfo/3.0/channels",
    query: [],
    body: newChannelSchema,
    source: `${CHANNELS} createUpdateChannel (DigitalChannel_NewChannel)`,
  },
  {
    name: "list skills",
    method: "GET",
    path: "/InContactAPI/services/:version/skills",
    query: ["mediaTypeId", "outboundStrategy"],
    source: `${SKILLS} getSkills`,
  },
  {
    name: "skill agents",
    method: "GET",
    path: "/InContactAPI/services/:version/skills/:skillId/agents",
    query: [],
    source: `${SKILLS} getAgentsBySkillId`,
  },
  {
    name: "skill activity",
    method: "GET",
    path: "/InContactAPI/services/:version/skills/:skillId/activity",
    query: ["fields", "updatedSince"],
    source: `${OAS} src/services/realtime/RealtimedataRealtimeService.ts skillActivityById; SDK core-sdk api-uri-constants.js`,
  },
];

const patterns = ENDPOINTS.map((e) => ({
  endpoint: e,
  re: new RegExp(`^${e.path.replace(/:[A-Za-z]+/g, "[^/]+")}$`),
}));

export function endpointFor(method: string, path: string): Endpoint | undefined {
  return patterns.find((p) => p.endpoint.method === method.toUpperCase() && p.re.test(path))?.endpoint;
}

export interface ContractProblem {
  field: string;
  message: string;
}

/** What is wrong with a request by the contract (empty: nothing). Unknown endpoints are not judged here. */
export function contractProblems(
  endpoint: Endpoint,
  query: Record<string, unknown>,
  body: unknown,
  hasBody: boolean,
): ContractProblem[] {
  const problems: ContractProblem[] = [];
  for (const name of Object.keys(query)) {
    if (!endpoint.query.includes(name)) {
      problems.push({ field: name, message: `query parameter ${name} is not part of ${endpoint.name}` });
    }
  }
  for (const name of endpoint.requiredQuery ?? []) {
    if (query[name] === undefined) problems.push({ field: name, message: `query parameter ${name} is required` });
  }
  if (endpoint.body) {
    const parsed = endpoint.body.safeParse(body ?? undefined);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
        problems.push({ field: issue.path.join(".") || "body", message: `${issue.message}${keys}` });
      }
    }
  } else if (hasBody) {
    problems.push({ field: "body", message: `${endpoint.name} takes no body` });
  }
  return problems;
}

/** CXone's error body (all Digital services, `DigitalContact_ApiErrorCollection`). */
export function cxoneErrorBody(errors: { field?: string; message: string; errorCode: string }[], uid: string) {
  return {
    errors: errors.map((e) => ({ field: e.field, message: e.message, parameters: {}, errorCode: e.errorCode })),
    uid,
  };
}

/** Answers a request with CXone's error body (the contract hook and the routes' own refusals). */
export function sendCxoneError(
  reply: FastifyReply,
  status: number,
  message: string,
  errorCode: string,
  field?: string,
) {
  return reply.code(status).send(cxoneErrorBody([{ field, message, errorCode }], randomUUID()));
}

/**
 * A filter NiCE names but the sandbox does not implement is refused loudly rather than ignored: an ignored filter would
 * answer more than CXone does and hide a bug.
 */
export function refuseUnimplemented(reply: FastifyReply, query: Record<string, unknown>, implemented: string[]) {
  const missing = Object.keys(query).filter((name) => !implemented.includes(name));
  if (!missing.length) return undefined;
  return sendCxoneError(
    reply,
    400,
    `the sandbox does not implement ${missing.join(", ")}`,
    "SandboxUnsupported",
    missing[0],
  );
}

// ---- callbacks CXone sends to a BYOC middleware (the relay) ----

/** Legacy reply `POST {box}/1.0/posts/{postId}/messages`: the body is undocumented; fields seen in NiCE's models. */
export const CALLBACK_SOURCES = {
  token: "SAMPLE src/app.js (POST /1.0/token, JSON { grant_type, client_id, client_secret })",
  legacyReply:
    "SAMPLE src/app.js (POST /1.0/posts/:id/messages → 200 { idOnExternalPlatform }); body fields: SDK common-sdk src/lib/model/digital/schema/events/cxone-message.js (postId, threadId, messageContent, attachments), DEMO (post.idOnExternalPlatform, thread.idOnExternalPlatform)",
  outbound:
    "DEMO (POST /2.0/channel/:channelId/outbound { thread, messageContent, endUserRecipients } → 200 { message { idOnExternalPlatform, createdAtWithMilliseconds, url } })",
  typing: "DEMO (POST /1.0/channel/:channelId/thread/:threadId/sender-action { senderAction { action } } → 204)",
  contentTypes: "SDK common-sdk src/enum/digital-message-content-types.js; OAS DigitalMessage_*Payload",
};

/** NiCE's message content types ([SDK] digital-message-content-types.js). */
export const AGENT_CONTENT_TYPES = [
  "TEXT",
  "RICH_LINK",
  "LIST_PICKER",
  "QUICK_REPLIES",
  "TIME_PICKER",
  "FORM",
  "REPLY_BUTTON",
  "PLUGIN",
  "POSTBACK",
  "FILE",
  "ADAPTIVE_CARD",
  "MENU",
  "TEXT_TEMPLATE",
] as const;

const actionButton = z.object({
  type: z.literal("REPLY_BUTTON"),
  text: str,
  postback: str.optional(),
  icon: z.object({ fileName: str, mimeType: str, url: str }).optional(),
  description: str.optional(),
});

/** Agent message content as NiCE types it (`DigitalMessage_MessageContent`, payload shapes per type). */
export const agentContentSchema = z.object({
  type: z.enum(AGENT_CONTENT_TYPES),
  payload: z.record(z.unknown()),
  fallbackText: str.optional(),
  postback: str.optional(),
});
export const quickRepliesPayloadSchema = z.object({ text: z.object({ content: str }), actions: z.array(actionButton) });
export const listPickerPayloadSchema = quickRepliesPayloadSchema.extend({ title: z.object({ content: str }) });
export const richLinkPayloadSchema = z.object({
  media: z.object({ fileName: str, mimeType: str, url: str }),
  title: z.object({ content: str }),
  url: str,
});

// ---- callback bodies and the answers CXone expects (undocumented: what NiCE's models and samples show) ----

const userRef = z.object({ id: z.union([str, z.number()]).optional(), firstName: str.optional() }).passthrough();
const callbackContent = agentContentSchema.partial({ payload: true }).passthrough();
const callbackAttachment = z
  .object({ url: str.url(), friendlyName: str.optional(), fileName: str.optional(), mimeType: str.optional() })
  .passthrough();

export const CALLBACKS = {
  token: {
    source: CALLBACK_SOURCES.token,
    json: z.object({ grant_type: z.literal("client_credentials"), client_id: str, client_secret: str }).strict(),
    answer: z.object({ access_token: str.min(1), token_type: z.literal("Bearer"), expires_in: z.number().positive() }),
  },
  legacyReply: {
    source: CALLBACK_SOURCES.legacyReply,
    // Our thread id is in the path, post.idOnExternalPlatform or thread.idOnExternalPlatform (which one: unknown).
    body: z
      .object({
        messageContent: callbackContent,
        attachments: z.array(callbackAttachment).optional(),
        post: z.object({ id: str.optional(), idOnExternalPlatform: str.optional() }).passthrough().optional(),
        thread: z.object({ id: str.optional(), idOnExternalPlatform: str.optional() }).passthrough().optional(),
        authorUser: userRef.optional(),
      })
      .passthrough(),
    answer: z.object({ idOnExternalPlatform: str.min(1) }).passthrough(),
  },
  outbound: {
    source: CALLBACK_SOURCES.outbound,
    body: z
      .object({
        thread: z.object({ idOnExternalPlatform: str.min(1) }).passthrough(),
        messageContent: callbackContent,
        endUserRecipients: z.array(recipient.passthrough()).optional(),
        attachments: z.array(callbackAttachment).optional(),
      })
      .passthrough(),
    answer: z
      .object({
        message: z.object({
          idOnExternalPlatform: str.min(1),
          createdAtWithMilliseconds: str.datetime(),
          url: str.url(),
        }),
        thread: z.object({ idOnExternalPlatform: str.min(1) }),
      })
      .passthrough(),
  },
  typing: {
    source: CALLBACK_SOURCES.typing,
    body: z.object({ senderAction: z.object({ action: z.enum(["isTypingOn", "isTypingOff"]) }) }).passthrough(),
  },
};
