import { inputTag, transcriptMessageId } from "../src/handover/ids";
import { isOpen, readHandover, saveHandover } from "../src/handover/state";
import { cxoneNode, type NodeRun, ON_ERROR, ON_SUCCESS, type Outcome } from "../src/node-kit";
import {
  customerOf,
  ON_NO_HANDOVER,
  type SendResult,
  sendInOrder,
  TRANSCRIPT_FIELDS,
  type TranscriptConfig,
  transcriptMessages,
  transcriptSection,
} from "./shared";

export const SEND_TRANSCRIPT = "cxoneSendTranscript";
const OUTCOMES = [ON_SUCCESS, ON_NO_HANDOVER, ON_ERROR];

export interface SendTranscriptConfig extends TranscriptConfig {
  connection: unknown;
}

/** Sends the conversation so far to the agent of the open handover, in as few messages as possible. */
export async function sendTranscript(run: NodeRun<SendTranscriptConfig>): Promise<Outcome> {
  const state = readHandover(run.context);
  if (!isOpen(state)) return ON_NO_HANDOVER;
  const texts = transcriptMessages(run);
  if (texts.length === 0) return ON_SUCCESS;
  // One batch per Cognigy input: re-running this input re-sends the same ids (CXone keeps them once).
  const batch = inputTag(run.input.inputId, `${state.handoverId}:${state.sent}`);
  const messages = texts.map((text, i) => ({ id: transcriptMessageId(state.handoverId, i, batch), text }));
  const progress: SendResult = { sent: 0 };
  try {
    await sendInOrder(run.cxone(), { threadId: state.threadId, author: customerOf(run) }, messages, progress);
  } finally {
    if (progress.sent > 0) {
      saveHandover(run.api, {
        ...state,
        contactId: state.contactId ?? progress.contactId,
        sent: state.sent + progress.sent,
      });
    }
  }
  return ON_SUCCESS;
}

export const [sendTranscriptNode, ...sendTranscriptOutcomes] = cxoneNode<SendTranscriptConfig>({
  type: SEND_TRANSCRIPT,
  defaultLabel: "Send transcript to NiCE CXone",
  summary: "Sends the bot conversation so far to the agent of the open handover",
  outcomes: OUTCOMES,
  fields: TRANSCRIPT_FIELDS,
  sections: [{ ...transcriptSection(), defaultCollapsed: false }],
  form: [{ type: "section", key: "transcript" }],
  logic: sendTranscript,
});
