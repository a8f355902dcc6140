import { CxoneConfigError, CxoneError } from "../src/cxone";
import { cxoneNode, type ErrorOutcome, type NodeRun, ON_ERROR, type Outcome } from "../src/node-kit";
import { type StorageConfig, storageFields, storageSection, storeResult } from "../src/node-kit/storage";

export const CHECK_AVAILABILITY = "cxoneCheckAvailability";
const RESULT_KEY = "cxoneAvailability";

const ON_AVAILABLE: Outcome = { suffix: "OnAvailable", label: "Agents available" };
const ON_UNAVAILABLE: Outcome = { suffix: "OnUnavailable", label: "No agent available" };
const OUTCOMES = [ON_AVAILABLE, ON_UNAVAILABLE, ON_ERROR];

export interface CheckAvailabilityConfig extends Partial<StorageConfig> {
  connection: unknown;
  skillId: string;
  minAgentsAvailable?: number;
  maxQueueCount?: number;
  /** Error Handling: the branch a failed CXone request follows; absent (nodes placed before it existed) = On error. */
  errorBranch?: "error" | "unavailable";
  /** Error Handling, Cognigy's key and label: stop the flow instead of following a branch. */
  abortOnError?: boolean;
}

export interface AvailabilityResult {
  available: boolean;
  skillId: string;
  agentsAvailable: number;
  agentsLoggedIn: number;
  queueCount: number;
  checkedAt: string;
}

/** Available = at least N agents free for the skill and, when a queue cap is set, the queue under it. */
export async function checkAvailability(run: NodeRun<CheckAvailabilityConfig>): Promise<Outcome> {
  const skillId = String(run.config.skillId ?? "").trim();
  if (!/^\d+$/.test(skillId)) throw new CxoneConfigError("skillId", "must be the numeric id of a CXone ACD skill");
  const minAgents = Math.max(1, Number(run.config.minAgentsAvailable ?? 1) || 1);
  const maxQueue = Number(run.config.maxQueueCount ?? 0) || 0;

  const activity = await run.cxone().getSkillActivity(skillId);
  const result: AvailabilityResult = {
    available: false,
    skillId,
    agentsAvailable: activity?.agentsAvailable ?? 0,
    agentsLoggedIn: activity?.agentsLoggedIn ?? 0,
    queueCount: activity?.queueCount ?? 0,
    checkedAt: new Date().toISOString(),
  };
  result.available = result.agentsAvailable >= minAgents && (maxQueue <= 0 || result.queueCount < maxQueue);
  if (!activity) run.log("warn", `CXone knows no activity for skill ${skillId}; treating it as unavailable`);
  storeResult(run.api, run.config, RESULT_KEY, result);
  return result.available ? ON_AVAILABLE : ON_UNAVAILABLE;
}

/**
 * Cognigy's *Error Handling* choice, applied to CXone failures only: a skill id or connection the designer must fix
 * always follows On error, so a typo never looks like "nobody is there" for ever.
 */
export const availabilityErrorOutcome: ErrorOutcome<CheckAvailabilityConfig> = (config, err) => {
  if (!(err instanceof CxoneError) || err.code === "config") return ON_ERROR;
  if (config.abortOnError === true) return null;
  return config.errorBranch === "unavailable" ? ON_UNAVAILABLE : ON_ERROR;
};

export const [checkAvailabilityNode, ...checkAvailabilityOutcomes] = cxoneNode<CheckAvailabilityConfig>({
  type: CHECK_AVAILABILITY,
  defaultLabel: "Check agent availability",
  summary: "Checks whether CXone agents are free for a skill before handing over",
  preview: { key: "skillId", type: "text" },
  outcomes: OUTCOMES,
  fields: [
    {
      key: "skillId",
      type: "cognigyText",
      label: "Skill ID",
      description: "The CXone ACD skill that routes your channel (ACD > ACD Skills).",
      params: { required: true },
    },
    {
      key: "minAgentsAvailable",
      type: "number",
      label: "Minimum agents available",
      defaultValue: 1,
      description: "Follow 'Agents available' only when at least this many agents are free.",
    },
    {
      key: "maxQueueCount",
      type: "number",
      label: "Maximum queue length",
      defaultValue: 0,
      description: "Treat the skill as unavailable when this many contacts already wait (0 = ignore the queue).",
    },
    ...storageFields(RESULT_KEY),
    {
      key: "errorBranch",
      type: "select",
      label: "When CXone cannot be asked, follow",
      defaultValue: "error",
      description: "A failed CXone request (refused, unreachable, too slow). The reason is in input.cxone.error.",
      params: {
        options: [
          { label: "On error", value: "error" },
          { label: "No agent available", value: "unavailable" },
        ],
      },
      condition: { key: "abortOnError", value: true, negate: true },
    },
    {
      key: "abortOnError",
      type: "toggle",
      label: "Abort Flow Execution on Error",
      defaultValue: false,
      description: "Stops the flow when a CXone request fails, instead of following a branch.",
    },
  ],
  sections: [
    { key: "thresholds", label: "Thresholds", defaultCollapsed: true, fields: ["minAgentsAvailable", "maxQueueCount"] },
    storageSection,
    { key: "errors", label: "Error Handling", defaultCollapsed: true, fields: ["abortOnError", "errorBranch"] },
  ],
  form: [
    { type: "field", key: "skillId" },
    { type: "section", key: "thresholds" },
    { type: "section", key: "storage" },
    { type: "section", key: "errors" },
  ],
  logic: checkAvailability,
  errorOutcome: availabilityErrorOutcome,
});
