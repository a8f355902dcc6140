export * from "./auth";
export * from "./client";
export * from "./config";
export * from "./errors";
export * from "./log";
export * from "./schemas";
