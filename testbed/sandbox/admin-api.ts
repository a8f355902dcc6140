import type { FastifyInstance } from "fastify";
import { type NewChannel, refuseUnimplemented, sendCxoneError } from "./contract";
import type { SkillFigures } from "./cxone-sandbox";

/**
 * The sandbox's admin side of CXone: BYOC integrations, the channel API (list, create/update), digital skills and
 * the agents assigned to them with their login state. Strict like the rest of the sandbox: the contract hook refuses a
 * query or body name NiCE's OpenAPI does not list before these routes run (the endpoints and their sources are in
 * testbed/sandbox/contract.ts).
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
      const q = req.query as Record<string, string | undefined>;
      const refused = refuseUnimplemented(reply, q, ["page", "size"]);
      if (refused) return refused;
      const all = this.channels.map((c) => this.channelView(c));
      if (q.page === undefined && q.size === undefined) return all;
      const size = Number(q.size ?? 25);
      const page = Number(q.page ?? this.pageBase);
      if (!Number.isInteger(size) || size < 1 || !Number.isInteger(page) || page < this.pageBase) {
        return sendCxoneError(reply, 400, "page or size out of range", "InvalidRequest", "page");
      }
      const start = (page - this.pageBase) * size;
      return all.slice(start, start + size);
    });

    api.post("/dfo/3.0/channels", async (req, reply) => {
      // Shape already checked by the contract hook.
      const c = req.body as NewChannel;
      // Assumed (undocumented): CXone refuses a channel on an integration the tenant does not have.
      if (!this.integrations.has(c.channelIntegrationId)) {
        return sendCxoneError(
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
          return sendCxoneError(
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
      const refused = refuseUnimplemented(reply, req.query as Record<string, unknown>, ["mediaTypeId"]);
      if (refused) return refused;
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
