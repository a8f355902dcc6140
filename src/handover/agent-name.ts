/**
 * The one rule for the name a customer sees for an agent, shared by the relay's notices and events and by the nodes
 * (who joined, Agent details, Send to Agent): nickname, else first name (plus surname when a flow asks for it), else
 * "Agent". First names only by default: "You are now chatting with Ben", as agents introduce themselves. The agent's
 * picture, the notice that names them and the agent an event carries follow from it here too.
 */
import type { EventAgent, MessageAgent } from "./events";

const FALLBACK_AGENT_NAME = "Agent";
/** The notice that an agent joined (Hand over's default, Agent details' default, the relay's for older threads). */
export const DEFAULT_JOINED_TEXT = "You are now chatting with {name}";

export interface NamedAgent {
  firstName?: string | null;
  surname?: string | null;
  /** Some CXone user payloads spell the surname this way. */
  lastName?: string | null;
  nickname?: string | null;
}

export function agentDisplayName(user: NamedAgent, includeSurname = false): string {
  const nickname = user.nickname?.trim();
  if (nickname) return nickname;
  const surname = includeSurname ? (user.surname ?? user.lastName) : undefined;
  const name = [user.firstName, surname]
    .map((p) => p?.trim())
    .filter(Boolean)
    .join(" ");
  return name || FALLBACK_AGENT_NAME;
}

/** The notice naming the agent: every `{name}` in the text is the display name (taken as written, no `$` patterns). */
export function joinedNotice(name: string, text: string = DEFAULT_JOINED_TEXT): string {
  return text.split("{name}").join(name).trim();
}

/** A CXone user as the agent rules read one (Contact.inboxAssigneeUser, an agent reply's authorUser). */
export interface AgentUser extends NamedAgent {
  id?: string | null;
  imageUrl?: string | null;
  publicImageUrl?: string | null;
}

/** Only http(s): the end user's client renders the URL (no javascript: or data: in a picture). */
export function isHttpUrl(v: unknown): v is string {
  if (typeof v !== "string" || v.length > 8192 || !/^https?:\/\//i.test(v)) return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

/** The agent's picture end users see: the public image first (they see it unauthenticated), http(s) only. */
export function agentAvatar(user: AgentUser): string | undefined {
  return [user.publicImageUrl, user.imageUrl].find(isHttpUrl);
}

/** The agent as an event carries it: CXone's id when it gave one (never ""), the display name and the picture. */
export function eventAgentOf(user: AgentUser): MessageAgent {
  const avatarUrl = agentAvatar(user);
  return { ...(user.id ? { id: user.id } : {}), name: agentDisplayName(user), ...(avatarUrl ? { avatarUrl } : {}) };
}

/** The same for the events that name the agent by id (agentJoined, agentDetails, ended): undefined without one. */
export function identifiedAgentOf(user: AgentUser): EventAgent | undefined {
  const { id, ...agent } = eventAgentOf(user);
  return id ? { id, ...agent } : undefined;
}
