import { isClosedStatus } from "../cxone/case-status";
import type { CxoneClient } from "../cxone/client";
import { CxoneApiError } from "../cxone/errors";
import type { CxoneLogger } from "../cxone/log";
import type { HandoverState } from "./state";

export type CloseResult = "abandoned" | "closed" | "already-gone" | "no-case";

/** What closing needs to know of a handover. */
export interface CaseToClose {
  contactId?: string;
  threadId: string;
  /** An agent has (or had) the case: it is closed, never abandoned. */
  agentAssigned: boolean;
}

/** The case of a handover the nodes hold in context. */
export function caseToClose(state: HandoverState): CaseToClose {
  return {
    contactId: state.contactId,
    threadId: state.threadId,
    agentAssigned: state.status !== "queue" || state.agent !== undefined,
  };
}

/**
 * Ends the CXone case of a handover from the bot side. A case no agent has taken yet is abandoned (CXone reports it
 * as abandoned, not handled) and closed as well if abandoning left it routable; if CXone refuses that (the case was assigned meanwhile) or an agent works on it, it is
 * closed. A case CXone no longer has, or one already closed (409), counts as done: closing is idempotent.
 */
export async function closeCase(client: CxoneClient, handover: CaseToClose, log: CxoneLogger): Promise<CloseResult> {
  const contactId = handover.contactId ?? (await client.findContactByThread(handover.threadId))?.id;
  if (!contactId) {
    log("warn", "no open CXone case found for this handover; nothing to close");
    return "no-case";
  }
  if (!handover.agentAssigned) {
    try {
      if (!(await client.abandonContact(contactId)).found) return "already-gone";
      // Whether abandon also ends the case is undocumented (the Contact keeps `abandon` apart from `status`): a case
      // only flagged would still be routed to an agent after the user left, so close it too.
      const after = await client.getContact(contactId);
      if (!after || isClosedStatus(after.status)) return "abandoned";
      log("info", `CXone flagged case ${contactId} abandoned but left it ${after.status}; closing it`);
      await client.setContactStatus(contactId, "closed");
      return "abandoned";
    } catch (err) {
      if (!(err instanceof CxoneApiError) || err.status < 400 || err.status >= 500) throw err;
      log("info", `CXone did not abandon case ${contactId} (HTTP ${err.status}); closing it instead`);
    }
  }
  try {
    return (await client.setContactStatus(contactId, "closed")).found ? "closed" : "already-gone";
  } catch (err) {
    if (err instanceof CxoneApiError && err.status === 409) return "already-gone";
    throw err;
  }
}
