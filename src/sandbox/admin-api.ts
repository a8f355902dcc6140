import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { SkillFigures } from "./cxone-sandbox";

/**
 * The sandbox's admin side of CXone: BYOC integrations, the channel API (list, create/update), digital skills and
 * the agents assigned to them with their login state. Strict like the rest of the sandbox: a query or body name NiCE's
 * OpenAPI ([OAS], src/cxone/README.md) does not list is refused with CXone's error body.
 */

export interface SandboxChannel {
  id: string;
  name: string;
  /** The BYOC integration the channel belongs to (default: the sandbox's first integration). */
  channelIntegrationId?: string;
  idOnExternalPlatform?: string;
  realExternalPlatformId?: string;
  isPrivate?: boolean;
  hasTreeStructure?: boolean;
  contentFormat?: "html" | "plain";
  defaultSkillId?: number;
}

export interface SandboxSkillAgent {
  agentId: string;
  firstName: string;
  lastName: string;
  /** Logged in to CXone right now (what skill activity counts). */
  loggedIn: boolean;
}

export interface SandboxSkill {
  skillId: string;
  skillName: string;
  /** 9 = Digital (CXone media types: 1 email, 3 chat, 4 phone, 5 voicemail, 6 work item, 8 social, 9 digital). */
  mediaTypeId: number;
  agents: SandboxSkillAgent[];
}

export interface AdminOptions {
  /** BYOC integration ids the tenant has (created in CXone's UI; there is no public API for them). */
  integrations?: string[];
  skills?: SandboxSkill[];
  /**
   * Whether `GET /dfo/3.0/channels?page=` counts from 0 or 1: NiCE does not say. A page below the first is refused.
   * Default 1.
   */
  channelPageBase?: 0 | 1;
}

export const SANDBOX_INTEGRATION_ID = "byoc-sandbox";
export const DIGITAL_MEDIA_TYPE = 9;

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

/** [OAS] `NewChannel`: the seven required fields and the optional ones our client may send; nothing else. */
const newChannelSchema = z
  .object({
    id: z.string().min(1),
    idOnExternalPlatform: z.string().min(1),
    channelIntegrationId: z.string().min(1),
    realExternalPlatformId: z.enum(PLATFORMS),
    name: z.string().min(1),
    isPrivate: z.boolean(),
    hasTreeStructure: z.boolean(),
    contentFormat: z.enum(["html", "plain"]).optional(),
    hasReply: z.boolean().optional(),
    hasAbilityToSendFiles: z.boolean().optional(),
    studioScript: z.string().optional(),
  })
  .strict();

/** [OAS] `getChannels` query names; the brackets are part of the name. */
const CHANNEL_QUERY = [
  "id[]",
  "isPrivate",
  "hasManualOutboundFlow",
  "withPermissionToManualOutbound",
  "size",
  "page",
  "orderBy",
  "order",
];
/** [OAS] `getSkills` query names. */
const SKILL_QUERY = ["mediaTypeId", "outboundStrategy"];

function dfoError(reply: FastifyReply, status: number, message: string, errorCode: string, field?: string) {
  return reply.code(status).send({ errors: [{ field, message, parameters: {}, errorCode }], uid: randomUUID() });
}

function unknownQuery(query: unknown, allowed: string[]): string | undefined {
  return Object.keys((query ?? {}) as object).find((k) => !allowed.includes(k));
}

export class SandboxAdmin {
  readonly integrations: Set<string>;
  readonly skills: SandboxSkill[];
  private readonly pageBase: 0 | 1;

  constructor(
    /** The sandbox's channel list (shared: the message routes check channels in it). */
    readonly channels: SandboxChannel[],
    private readonly setSkillActivity: (skillId: string, figures: Partial<SkillFigures>) => void,
    options: AdminOptions = {},
  ) {
    this.integrations = new Set(options.integrations ?? [SANDBOX_INTEGRATION_ID]);
    this.skills = options.skills ?? [
      {
        skillId: "4001",
        skillName: "Digital handover",
        mediaTypeId: DIGITAL_MEDIA_TYPE,
        agents: [
          { agentId: "1001", firstName: "Anna", lastName: "Smith", loggedIn: true },
          { agentId: "1002", firstName: "Ben", lastName: "Okafor", loggedIn: false },
        ],
      },
      { skillId: "4002", skillName: "Phone sales", mediaTypeId: 4, agents: [] },
    ];
    this.pageBase = options.channelPageBase ?? 1;
    for (const skill of this.skills) this.refreshActivity(skill);
  }

  /** An agent logs in to or out of CXone (every skill they hold sees it). */
  setLoggedIn(agentId: string, loggedIn: boolean): void {
    for (const skill of this.skills) {
      const agent = skill.agents.find((a) => a.agentId === agentId);
      if (agent) agent.loggedIn = loggedIn;
      this.refreshActivity(skill);
    }
  }

  routes(api: FastifyInstance): void {
    api.get("/dfo/3.0/channels", async (req, reply) => {
      const bad = unknownQuery(req.query, CHANNEL_QUERY);
      if (bad) return dfoError(reply, 400, `Unknown query parameter ${bad}`, "InvalidRequest", bad);
      const q = req.query as Record<string, string | undefined>;
      const all = this.channels.map((c) => this.channelView(c));
      if (q.page === undefined && q.size === undefined) return all;
      const size = Number(q.size ?? 25);
      const page = Number(q.page ?? this.pageBase);
      if (!Number.isInteger(size) || size < 1 || !Number.isInteger(page) || page < this.pageBase) {
        return dfoError(reply, 400, "page or size out of range", "InvalidRequest", "page");
      }
      const start = (page - this.pageBase) * size;
      return all.slice(start, start + size);
    });

    api.post("/dfo/3.0/channels", async (req, reply) => {
      const parsed = newChannelSchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue.code === "unrecognized_keys" ? issue.keys.join(",") : issue.path.join(".");
        return dfoError(reply, 400, issue.message, "InvalidRequest", field);
      }
      const c = parsed.data;
      // Assumed (undocumented): CXone refuses a channel on an integration the tenant does not have.
      if (!this.integrations.has(c.channelIntegrationId)) {
        return dfoError(
          reply,
          400,
          "Channel integration not found",
          "ChannelIntegrationNotFound",
          "channelIntegrationId",
        );
      }
      const existing = this.channels.find((ch) => ch.id === c.id);
      if (existing) {
        // Assumed: the id is the key of "create/update"; moving a channel to another integration is refused.
        if ((existing.channelIntegrationId ?? SANDBOX_INTEGRATION_ID) !== c.channelIntegrationId) {
          return dfoError(
            reply,
            400,
            "Channel belongs to another integration",
            "InvalidRequest",
            "channelIntegrationId",
          );
        }
        Object.assign(existing, c);
        return this.channelView(existing);
      }
      const channel: SandboxChannel = { ...c };
      this.channels.push(channel);
      return this.channelView(channel);
    });

    api.get("/InContactAPI/services/:version/skills", async (req, reply) => {
      const bad = unknownQuery(req.query, SKILL_QUERY);
      if (bad) return reply.code(400).send({ error: `Unknown query parameter ${bad}` });
      const { mediaTypeId } = req.query as { mediaTypeId?: string };
      const skills = this.skills.filter((s) => mediaTypeId === undefined || String(s.mediaTypeId) === mediaTypeId);
      return {
        businessUnitId: 4_600_000,
        totalRecords: skills.length,
        skills: skills.map((s) => ({
          skillId: Number(s.skillId),
          skillName: s.skillName,
          mediaTypeId: s.mediaTypeId,
          mediaTypeName: s.mediaTypeId === DIGITAL_MEDIA_TYPE ? "Digital" : "Other",
          isActive: true,
        })),
      };
    });

    api.get("/InContactAPI/services/:version/skills/:skillId/agents", async (req, reply) => {
      if (unknownQuery(req.query, [])) return reply.code(400).send({ error: "Unknown query parameter" });
      const skill = this.skills.find((s) => s.skillId === (req.params as { skillId: string }).skillId);
      if (!skill) return reply.code(404).send({ error: "Skill not found" });
      return {
        lastPollTime: new Date().toISOString(),
        businessUnitId: 4_600_000,
        totalRecords: skill.agents.length,
        agentSkillAssignments: skill.agents.map((a) => ({
          agentId: Number(a.agentId),
          firstName: a.firstName,
          lastName: a.lastName,
          isActive: true,
          isSkillActive: true,
          skillId: Number(skill.skillId),
          skillName: skill.skillName,
          mediaTypeId: skill.mediaTypeId,
        })),
      };
    });
  }

  private channelView(c: SandboxChannel) {
    return {
      id: c.id,
      name: c.name,
      idOnExternalPlatform: c.idOnExternalPlatform ?? c.id,
      channelIntegrationId: c.channelIntegrationId ?? SANDBOX_INTEGRATION_ID,
      realExternalPlatformId: c.realExternalPlatformId ?? "custom",
      isPrivate: c.isPrivate ?? false,
      hasTreeStructure: c.hasTreeStructure ?? false,
      contentFormat: c.contentFormat ?? "plain",
      ...(c.defaultSkillId === undefined ? {} : { defaultSkillId: c.defaultSkillId }),
    };
  }

  private refreshActivity(skill: SandboxSkill) {
    const loggedIn = skill.agents.filter((a) => a.loggedIn).length;
    this.setSkillActivity(skill.skillId, { agentsLoggedIn: loggedIn, agentsAvailable: loggedIn });
  }
}
