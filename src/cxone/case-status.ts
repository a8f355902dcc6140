// CXone's case statuses as our product reads them, listed once for the nodes, the client and the relay.
// The sandbox keeps its own transcription of NiCE's contract on purpose, so it cannot agree with us by accident. A
// status CXone adds later is in neither list, so no handover ends on it.

/** A case in one of these is still the handover's: the customer waits for an agent or talks to one. */
export const OPEN_STATUSES: readonly string[] = ["new", "open", "pending", "escalated"];
/** A case in one of these is over: its handover ends. */
export const CLOSED_STATUSES: readonly string[] = ["resolved", "closed", "trashed"];
/** Every status the relay's newest-updated read asks for. */
export const ALL_STATUSES: readonly string[] = [...OPEN_STATUSES, ...CLOSED_STATUSES];

export const isOpenStatus = (status: string) => OPEN_STATUSES.includes(status);
export const isClosedStatus = (status: string) => CLOSED_STATUSES.includes(status);
