import { z } from "zod";

/** CXone answers are parsed leniently: extra fields pass, only what we rely on is required. */

export const openIdConfigurationSchema = z.object({
  issuer: z.string().optional(),
  token_endpoint: z.string().url(),
});

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().default(3600),
  id_token: z.string().optional(),
});

/** OAS requires private, ui_endpoint, auth_endpoint, api_endpoint, domain, uhDomain; `area` is optional there. */
export const cxoneConfigurationSchema = z.object({
  area: z.string().min(1).optional(),
  domain: z.string().min(1),
  api_endpoint: z.string().url().optional(),
  tenantId: z.string().optional(),
});

/** CXone ids arrive as numbers or strings depending on the API; we always hold strings. */
const id = z.union([z.string(), z.number()]).transform(String);
/** The same for an id CXone may leave out or send as null. */
const nullableId = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v == null ? undefined : String(v)));

const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

export const userSchema = z.object({
  id,
  firstName: nullableString,
  surname: nullableString,
  nickname: nullableString,
  imageUrl: nullableString,
  publicImageUrl: nullableString,
  agentId: nullableId,
  emailAddress: nullableString,
  isBotUser: z.boolean().nullish(),
});
export type CxoneUser = z.output<typeof userSchema>;

/** new, open, pending, escalated, resolved, closed, trashed (unknown future values pass through; see case-status.ts). */
export const contactStatusSchema = z.string();

/** Every field of a Contact is optional in the OAS; NiCE's own case schema (common-sdk cxone-case.js) requires status. */
export const contactSchema = z.object({
  id,
  status: contactStatusSchema,
  channelId: nullableString,
  threadIdOnExternalPlatform: nullableString,
  routingQueueId: nullableString,
  inboxAssigneeUser: userSchema.nullish().transform((v) => v ?? undefined),
  statusUpdatedAt: nullableString,
  /** Required in NiCE's case schema (common-sdk cxone-case.js); ranks a channel's queued cases. */
  createdAt: nullableString,
  /** The case's custom fields as the agent left them (OAS Contact.customFields); a shape we cannot read is dropped. */
  customFields: z
    .array(z.object({ ident: z.string(), value: z.string().nullish() }))
    .nullish()
    .catch(undefined)
    .transform((v) => v ?? undefined),
  /** The customer CXone filed the case under (OAS Contact.endUser: Customer, id required there); optional in NiCE's case schema. */
  endUser: z
    .object({ id: z.string().min(1) })
    .nullish()
    .catch(undefined)
    .transform((v) => v ?? undefined),
});
export type CxoneContact = z.output<typeof contactSchema>;

export const contactSearchSchema = z.object({
  hits: z.number().optional(),
  data: z.array(contactSchema).default([]),
  scrollToken: nullableString,
});

/** OAS: `{ consumerContact?: Contact; message?: MessageDetail }`; the body may also be empty (201/204). */
export const createMessageResponseSchema = z
  .object({
    consumerContact: z.object({ id: id.optional(), status: nullableString }).nullish(),
    message: z.object({ id: id.optional(), idOnExternalPlatform: nullableString }).nullish(),
  })
  .optional()
  .transform((v) => v ?? {});

/** OAS `searchMessages`: `{ hits?, data?: MessageDetail[] }`; `contactNumber` is the case the message is in. */
export const messageSearchSchema = z.object({
  hits: z.number().optional(),
  data: z
    .array(
      z.object({
        id: id.optional(),
        idOnExternalPlatform: nullableString,
        contactNumber: id.optional(),
        direction: nullableString,
        createdAtWithMilliseconds: nullableString,
      }),
    )
    .default([]),
});

export const channelSchema = z.object({
  id: z.string(),
  name: nullableString,
  channelIntegrationId: nullableString,
  isPrivate: z.boolean().optional(),
  /** ChannelV2 (OAS, required there): with html, agent text arrives as HTML. Unknown values read as unknown. */
  contentFormat: z.enum(["html", "plain"]).optional().catch(undefined),
  idOnExternalPlatform: nullableString,
  realExternalPlatformId: nullableString,
  /** The skill a new case on this channel is routed by ([OAS] ChannelV2 `defaultSkillId`). */
  defaultSkillId: nullableId,
});
export const channelListSchema = z.union([
  z.array(channelSchema),
  z.object({ data: z.array(channelSchema) }).transform((v) => v.data),
]);
export type CxoneChannel = z.output<typeof channelSchema>;

/** Admin API skill activity; numbers arrive as numbers or numeric strings depending on the API version. */
const count = z.coerce.number().int().nonnegative().catch(0);
export const skillActivitySchema = z.object({
  skillId: id,
  skillName: nullableString,
  agentsAvailable: count,
  agentsLoggedIn: count,
  agentsWorking: count,
  agentsUnavailable: count,
  agentsACW: count,
  queueCount: count,
  /** When the oldest waiting contact entered the queue (ISO date), if any. */
  earliestQueueTime: nullableString,
});
export const skillActivityResponseSchema = z.object({
  lastPollTime: nullableString,
  skillActivity: z.array(skillActivitySchema).default([]),
});
export type SkillActivity = z.output<typeof skillActivitySchema>;

/**
 * `POST /dfo/3.0/channels` (create/update a point of contact): the fields NiCE's OpenAPI (`NewChannel`) requires, plus
 * the optional `contentFormat` (plain: agent text arrives as text, not HTML).
 */
export interface NewChannel {
  id: string;
  idOnExternalPlatform: string;
  channelIntegrationId: string;
  realExternalPlatformId: string;
  name: string;
  isPrivate: boolean;
  hasTreeStructure: boolean;
  contentFormat?: "html" | "plain";
}

/** Admin API `GET /skills` (its answer is untyped in NiCE's OpenAPI; these are the fields `GET /skills/{id}` names). */
export const skillListSchema = z.object({
  skills: z
    .array(
      z.object({
        skillId: id,
        skillName: nullableString,
        mediaTypeId: z.coerce.number().optional(),
        mediaTypeName: nullableString,
        isActive: z.boolean().optional(),
      }),
    )
    .default([]),
});
export type CxoneSkill = z.output<typeof skillListSchema>["skills"][number];

/** Admin API `GET /skills/{id}/agents` ([OAS] `getSkillAgentsResponse`). */
export const skillAgentsSchema = z.object({
  agentSkillAssignments: z
    .array(
      z.object({
        agentId: id,
        firstName: nullableString,
        lastName: nullableString,
        isActive: z.boolean().optional(),
        isSkillActive: z.boolean().optional(),
      }),
    )
    .default([]),
});
export type CxoneSkillAgent = z.output<typeof skillAgentsSchema>["agentSkillAssignments"][number];

/**
 * A case custom-field definition: NiCE's spec (`ContactCustomFieldDefinition`, `required`) and NiCE's SDK
 * (`cxone-contact-custom-field-definition.js`, `isRequired`) agree on `ident`, `type` and `values`; the rest is ignored.
 */
const fieldDefinitionSchema = z.object({
  ident: z.string(),
  type: z.string().nullish(),
  values: z.unknown().optional(),
});
/** A bare array as both publish it; `{ data: [...] }` is read too, as other DFO lists answer. */
export const fieldDefinitionsSchema = z
  .union([z.array(fieldDefinitionSchema), z.object({ data: z.array(fieldDefinitionSchema) })])
  .transform((v) => (Array.isArray(v) ? v : v.data));
export type FieldDefinition = z.output<typeof fieldDefinitionSchema>;
