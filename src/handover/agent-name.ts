/**
 * The one rule for the name a customer sees for an agent, shared by the relay's notices and events and by the nodes
 * (who joined, Agent details, Send to Agent): nickname, else first name (plus surname when a flow asks for it), else
 * "Agent". First names only by default: "You are now chatting with Ben", as agents introduce themselves.
 */
export const FALLBACK_AGENT_NAME = "Agent";

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
