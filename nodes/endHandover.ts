import { caseToClose, closeCase } from "../src/handover/close";
import type { FlowEndReason } from "../src/handover/events";
import { isOpen, readHandover, saveHandover } from "../src/handover/state";
import { cxoneNode, type NodeRun, ON_ERROR, ON_SUCCESS, type Outcome } from "../src/node-kit";
import { restoreBotLook, writeHandoverStatus } from "./shared";

export const END_HANDOVER = "cxoneEndHandover";
const OUTCOMES = [ON_SUCCESS, ON_ERROR];

export interface EndHandoverConfig {
  connection: unknown;
  endStatus?: "cancelled" | "completed";
  text?: string;
}

/** Closes the open case from the bot side and marks the handover ended; with nothing open it is a no-op. */
export async function endHandover(run: NodeRun<EndHandoverConfig>): Promise<Outcome> {
  const state = readHandover(run.context);
  if (!isOpen(state)) {
    run.log("info", "no open handover; nothing to end");
    return ON_SUCCESS;
  }
  const result = await closeCase(run.cxone(), caseToClose(state), run.log);
  const status = run.config.endStatus === "completed" ? "completed" : "cancelled";
  // The flow ended it: no inject comes; the reason lives in context (README: Hand-back reasons).
  const endReason: FlowEndReason = "userLeft";
  saveHandover(run.api, { ...state, status, active: false, endedAt: new Date().toISOString(), endReason });
  writeHandoverStatus(run.api, { status, ...(state.contactId ? { data: { contactId: state.contactId } } : {}) });
  restoreBotLook(run, state);
  run.log("info", `handover ${state.handoverId} ended (${status}; case ${state.contactId ?? "?"}: ${result})`);
  const goodbye = typeof run.config.text === "string" ? run.config.text.trim() : "";
  if (goodbye) run.api.say?.(goodbye, {});
  return ON_SUCCESS;
}

export const [endHandoverNode, ...endHandoverOutcomes] = cxoneNode<EndHandoverConfig>({
  type: END_HANDOVER,
  defaultLabel: "End NiCE CXone handover",
  summary: "Closes the CXone case (user left, cancelled, timed out) and ends the handover",
  preview: { key: "text", type: "text" },
  outcomes: OUTCOMES,
  fields: [
    {
      key: "text",
      type: "cognigyText",
      label: "Goodbye message",
      description: "Said when a handover was actually ended (empty: say nothing).",
    },
    {
      key: "endStatus",
      type: "select",
      label: "Status to record",
      defaultValue: "cancelled",
      description: "What context.cxoneHandover.status says afterwards.",
      params: {
        options: [
          { label: "Cancelled", value: "cancelled" },
          { label: "Completed", value: "completed" },
        ],
      },
    },
  ],
  sections: [{ key: "options", label: "Options", defaultCollapsed: true, fields: ["endStatus"] }],
  form: [
    { type: "field", key: "text" },
    { type: "section", key: "options" },
  ],
  logic: endHandover,
});
