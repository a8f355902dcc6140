/**
 * node:crypto, loaded on first use. Loading it costs ~7 ms of the extension's cold start on a small machine, and
 * Cognigy loads the extension far more often than a node needs a hash (every runtime start, every idle tear-down).
 */
export const nodeCrypto = (): typeof import("node:crypto") => require("node:crypto");
