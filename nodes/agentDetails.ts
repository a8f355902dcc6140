import { agentAvatar, agentDisplayName, DEFAULT_JOINED_TEXT, joinedNotice } from "../src/handover/agent-name";
import { isOpen, readHandover, saveHandover } from "../src/handover/state";
import { cxoneNode, type NodeRun, ON_ERROR, ON_SUCCESS, type Outcome } from "../src/node-kit";
import { type StorageConfig, storageFields, storageSection, storeResult } from "../src/node-kit/storage";
import { agentNoticeData, ON_NO_HANDOVER } from "./shared";

export const AGENT_DETAILS = "cxoneAgentDetails";
const RESULT_KEY = "cxoneAgent";
export const ON_NO_AGENT: Outcome = { suffix: "OnNoAgent", label: "No agent yet" };
const OUTCOMES = [ON_SUCCESS, ON_NO_AGENT, ON_NO_HANDOVER, ON_ERROR];

export interface AgentDetailsConfig extends Partial<StorageConfig> {
  connection: unknown;
  includeSurname?: boolean;
  say?: boolean;
  sayText?: string;
}

export interface AgentDetails {
  id: string;
  name: string;
  firstName?: string;
  surname?: string;
  nickname?: string;
  avatarUrl?: string;
  contactId: string;
  caseStatus: string;
}

/** Reads the agent assigned to the open case from CXone (the contact's inboxAssigneeUser; DFO has no users API). */
export async function agentDetails(run: NodeRun<AgentDetailsConfig>): Promise<Outcome> {
  const { api, config } = run;
  const state = readHandover(run.context);
  if (!isOpen(state)) return ON_NO_HANDOVER;
  const client = run.cxone();
  const contactId = state.contactId ?? (await client.findContactByThread(state.threadId))?.id;
  if (!contactId) {
    run.log("info", "the handover has no CXone case id yet");
    return ON_NO_AGENT;
  }
  const contact = await client.getContact(contactId);
  if (!contact) {
    run.log("warn", `CXone does not know case ${contactId}`);
    return ON_NO_AGENT;
  }
  const user = contact.inboxAssigneeUser;
  if (!user || user.isBotUser) return ON_NO_AGENT;

  const details: AgentDetails = {
    id: user.id,
    name: agentDisplayName(user, config.includeSurname === true),
    firstName: user.firstName,
    surname: user.surname,
    nickname: user.nickname,
    avatarUrl: agentAvatar(user),
    contactId,
    caseStatus: contact.status,
  };
  storeResult(api, config, RESULT_KEY, details);
  const agent = { id: details.id, name: details.name, nickname: details.nickname, avatarUrl: details.avatarUrl };
  if (JSON.stringify(state.agent) !== JSON.stringify(agent) || state.status !== "active" || !state.contactId) {
    saveHandover(api, { ...state, contactId, status: "active", agent });
  }
  if (config.say) {
    const text = joinedNotice(details.name, config.sayText?.trim() || DEFAULT_JOINED_TEXT);
    // Webchat draws this as the bot's message: the chip and the picture hook are what make it the agent's.
    const notice = agentNoticeData(run.input.endpointType, text, details);
    api.say?.(text, { ...notice, cxoneAgent: { name: details.name, avatarUrl: details.avatarUrl } });
  }
  return ON_SUCCESS;
}

export const [agentDetailsNode, ...agentDetailsOutcomes] = cxoneNode<AgentDetailsConfig>({
  type: AGENT_DETAILS,
  defaultLabel: "Get NiCE CXone agent details",
  summary: "Looks up the agent working on the open case: name, nickname and avatar",
  outcomes: OUTCOMES,
  fields: [
    {
      key: "say",
      type: "toggle",
      label: "Tell the user who the agent is",
      defaultValue: false,
      description:
        "Says the text below: an event line with the agent's picture in Webchat, plain text elsewhere (data.cxoneAgent for custom clients).",
    },
    {
      key: "sayText",
      type: "cognigyText",
      label: "Text",
      defaultValue: DEFAULT_JOINED_TEXT,
      description: "{name} is replaced by the agent's display name.",
      condition: { key: "say", value: true },
    },
    {
      key: "includeSurname",
      type: "toggle",
      label: "Include surname",
      defaultValue: false,
      description: "Display name = nickname, else first name; add the surname when on.",
    },
    ...storageFields(RESULT_KEY),
  ],
  sections: [
    { key: "display", label: "Display", defaultCollapsed: true, fields: ["say", "sayText", "includeSurname"] },
    storageSection,
  ],
  form: [
    { type: "section", key: "display" },
    { type: "section", key: "storage" },
  ],
  logic: agentDetails,
});
