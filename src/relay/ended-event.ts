// Why a closed case ended its handover, and the `ended` event that tells the flow (with the agent and case fields).
import type { CxoneContact, CxoneUser } from "../cxone/schemas";
import { identifiedAgentOf } from "../handover/agent-name";
import type { EndedEvent, EndReason } from "../handover/events";

/** The human agent holding a case: a CXone bot user holding it is not an agent joining. */
export function humanAgentOf(contact: CxoneContact): CxoneUser | undefined {
  return contact.inboxAssigneeUser?.isBotUser ? undefined : contact.inboxAssigneeUser;
}

/** A case as read, or as the relay stands in for one CXone no longer has (`gone`: get-contact answered 404). */
export type SeenContact = CxoneContact & { gone?: true };

/**
 * Why a closed case ended its handover. Who closed it is not on the Contact (NiCE's `updatedByUserId` is write-only):
 * closed while still assigned to the agent the user was told about reads as that agent's close; any other close or a
 * trash as someone else's in CXone (README: Hand-back reasons).
 */
export function endReasonOf(contact: SeenContact, joinedAgentId: string | undefined): EndReason {
  if (contact.gone) return "caseGone";
  if (contact.status === "resolved") return "resolved";
  const assignee = contact.inboxAssigneeUser?.id;
  if (contact.status === "closed" && joinedAgentId && assignee === joinedAgentId) return "closed";
  return "closedInCxone";
}

export function endedEvent(contact: SeenContact, joinedAgentId: string | undefined): EndedEvent {
  const user = humanAgentOf(contact);
  const agent = user ? identifiedAgentOf(user) : undefined;
  const fields = contact.customFields ?? [];
  return {
    event: "ended",
    reason: endReasonOf(contact, joinedAgentId),
    contactId: contact.id,
    ...(agent ? { agent } : {}),
    ...(fields.length ? { caseFields: Object.fromEntries(fields.map((f) => [f.ident, f.value ?? ""])) } : {}),
  };
}
