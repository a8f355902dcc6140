// The CXone client the nodes and the relay share: auth, one request path with retries, errors, paging, schemas.
export * from "./auth";
export * from "./case-status";
export * from "./client";
export * from "./config";
export * from "./connection-fields";
export * from "./errors";
export * from "./log";
export * from "./schemas";
export * from "./secure-url";
