/** Reads the relay's configuration from the environment variables the README's Relay section lists. */
import { CASE_POLL_ENV, CONNECTION_FIELDS } from "../cxone/connection-fields";
import { parseRelayConfig, type RelayConfig } from "./config";

/** Environment variable name for each of the relay's own config keys (for reading and for error messages). */
export const ENV_NAMES: Readonly<Record<string, string>> = {
  port: "RELAY_PORT",
  host: "RELAY_HOST",
  metricsPort: "RELAY_METRICS_PORT",
  clientId: "RELAY_CLIENT_ID",
  clientSecret: "RELAY_CLIENT_SECRET",
  // The connection's Thread key: the same value in both places, so the connection's list names it.
  threadKey: CONNECTION_FIELDS.threadKey.env,
  threadKeyPrevious: "RELAY_THREAD_KEY_PREVIOUS",
  legacyThreadsUntil: "RELAY_LEGACY_THREADS_UNTIL",
  urlTokens: "RELAY_URL_TOKENS",
  cognigyEndpointUrl: "COGNIGY_ENDPOINT_URL",
  cognigyApiUrl: "COGNIGY_API_URL",
  cognigyApiKey: "COGNIGY_API_KEY",
  pollIntervalMs: "CXONE_POLL_INTERVAL_MS",
  redisUrl: "REDIS_URL",
  redisPrefix: "REDIS_PREFIX",
  redisCommandTimeoutMs: "REDIS_COMMAND_TIMEOUT_MS",
  logLevel: "LOG_LEVEL",
  tokenTtlSeconds: "RELAY_TOKEN_TTL_SECONDS",
  cognigyTimeoutMs: "COGNIGY_TIMEOUT_MS",
  bodyLimitBytes: "RELAY_BODY_LIMIT_BYTES",
  rateLimitPerMinute: "RELAY_RATE_LIMIT_PER_MINUTE",
  memoryStoreMaxKeys: "RELAY_MEMORY_STORE_MAX_KEYS",
  forwardTyping: "RELAY_FORWARD_TYPING",
  typingClearSeconds: "RELAY_TYPING_CLEAR_SECONDS",
  trustProxy: "RELAY_TRUST_PROXY",
};

/** The relay's own secrets (the connection's are marked in src/cxone/connection-fields.ts). */
export const SECRET_ENV_NAMES = [ENV_NAMES.clientSecret, ENV_NAMES.threadKeyPrevious, ENV_NAMES.cognigyApiKey];

/** Reads the documented environment variables (README, section Relay). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const v = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const names: Record<string, string> = { ...ENV_NAMES };
  if (v("RELAY_PORT") === undefined && v("PORT") !== undefined) names.port = "PORT";
  // The case poll's connection values sit under `cxone` in the in-process config.
  const cxone: Record<string, string | undefined> = {};
  for (const [k, name] of Object.entries(CASE_POLL_ENV)) {
    names[`cxone.${k}`] = name;
    cxone[k] = v(name);
  }
  const input: Record<string, unknown> = { cxone };
  for (const [k, name] of Object.entries(ENV_NAMES)) {
    const value = v(name) ?? (k === "port" ? v("PORT") : undefined);
    if (value !== undefined) input[k] = value;
  }
  return parseRelayConfig(input, names);
}
