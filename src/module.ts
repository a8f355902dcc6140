import { createExtension } from "@cognigy/extension-tools";
import { cxoneConnection } from "../connections/cxoneConnection";
import { checkAvailabilityNode, checkAvailabilityOutcomes } from "../nodes/checkAvailability";

export default createExtension({
  nodes: [checkAvailabilityNode, ...checkAvailabilityOutcomes],
  connections: [cxoneConnection],
  options: { label: "NiCE CXone Handover" },
});
