// The Cognigy extension: every node and the connection, as Cognigy loads them from build/module.js.
import { createExtension } from "@cognigy/extension-tools";
import { cxoneConnection } from "../connections/cxoneConnection";
import { agentDetailsNode, agentDetailsOutcomes } from "../nodes/agentDetails";
import { checkAvailabilityNode, checkAvailabilityOutcomes } from "../nodes/checkAvailability";
import { endHandoverNode, endHandoverOutcomes } from "../nodes/endHandover";
import { handoverNode, handoverOutcomes } from "../nodes/handover";
import { sendToAgentNode, sendToAgentOutcomes } from "../nodes/sendToAgent";
import { sendTranscriptNode, sendTranscriptOutcomes } from "../nodes/sendTranscript";

export default createExtension({
  nodes: [
    sendToAgentNode,
    ...sendToAgentOutcomes,
    checkAvailabilityNode,
    ...checkAvailabilityOutcomes,
    handoverNode,
    ...handoverOutcomes,
    sendTranscriptNode,
    ...sendTranscriptOutcomes,
    agentDetailsNode,
    ...agentDetailsOutcomes,
    endHandoverNode,
    ...endHandoverOutcomes,
  ],
  connections: [cxoneConnection],
  options: { label: "NiCE CXone Handover" },
});
