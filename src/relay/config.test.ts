import { spawn } from "node:child_process";
import path from "node:path";
import { SettingError } from "../setting-error";
import { splitText } from "./cognigy";
import { configFromEnv } from "./env";
import { TokenIssuer } from "./tokens";

const base = {
  RELAY_CLIENT_ID: "cxone-byoc",
  RELAY_CLIENT_SECRET: "0123456789abcdef-secret",
  RELAY_THREAD_KEY: "thread-key-0123456789abcdef-0123456789",
  COGNIGY_ENDPOINT_URL: "https://endpoint-trial.cognigy.ai/",
};
const cxone = {
  CXONE_CLIENT_ID: "app-id",
  CXONE_CLIENT_SECRET: "app-secret",
  CXONE_ACCESS_KEY_ID: "KEYID=",
  CXONE_ACCESS_KEY_SECRET: "key/secret==",
  CXONE_CHANNEL_ID: "chat_123",
};

function errorOf(env: Record<string, string>): string {
  try {
    configFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingError);
    return (err as Error).message;
  }
  throw new Error("expected a configuration error");
}

describe("configuration from the environment", () => {
  test("defaults, and case events only with the CXone values", () => {
    const config = configFromEnv(base);
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      cognigyEndpointUrl: "https://endpoint-trial.cognigy.ai",
      pollIntervalMs: 3000,
      logLevel: "info",
    });
    expect(config.cxone).toBeUndefined();
    expect(config.memoryStoreMaxKeys).toBe(200_000);
    expect(configFromEnv({ ...base, RELAY_MEMORY_STORE_MAX_KEYS: "50000" }).memoryStoreMaxKeys).toBe(50_000);
    expect(errorOf({ ...base, RELAY_MEMORY_STORE_MAX_KEYS: "10" })).toContain("RELAY_MEMORY_STORE_MAX_KEYS");
    expect(configFromEnv({ ...base, PORT: "9999" }).port).toBe(9999);
    expect(configFromEnv({ ...base, PORT: "9999", RELAY_PORT: "7000" }).port).toBe(7000);
    const on = configFromEnv({ ...base, ...cxone, CXONE_POLL_INTERVAL_MS: "1000", REDIS_URL: "redis://r:6379" });
    expect(on.cxone).toMatchObject({ authHost: "https://cxone.niceincontact.com", channelId: "chat_123" });
    expect(on.pollIntervalMs).toBe(1000);
    expect(on.redisUrl).toBe("redis://r:6379");
  });

  test("a missing or bad value names the variable and what to fix; no default credentials", () => {
    expect(errorOf({ ...base, RELAY_CLIENT_SECRET: "" })).toMatch(/^RELAY_CLIENT_SECRET is missing/);
    expect(errorOf({ ...base, RELAY_CLIENT_SECRET: "short" })).toMatch(/^RELAY_CLIENT_SECRET is too short/);
    expect(errorOf({ ...base, RELAY_CLIENT_ID: undefined as never })).toMatch(/^RELAY_CLIENT_ID is missing/);
    expect(errorOf({ ...base, COGNIGY_ENDPOINT_URL: "http://cognigy.example.com" })).toMatch(
      /^COGNIGY_ENDPOINT_URL must start with https/,
    );
    expect(errorOf({ ...base, CXONE_POLL_INTERVAL_MS: "100" })).toMatch(/^CXONE_POLL_INTERVAL_MS must be at least 250/);
    expect(errorOf({ ...base, RELAY_PORT: "http" })).toMatch(/^RELAY_PORT /);
    expect(errorOf({ ...base, PORT: "x" })).toMatch(/^PORT /);
    expect(errorOf({ ...base, REDIS_URL: "localhost:6379" })).toMatch(/^REDIS_URL must start with redis:\/\//);
    const { RELAY_THREAD_KEY: _key, ...keyless } = base;
    expect(errorOf(keyless)).toMatch(/^RELAY_THREAD_KEY is missing/);
    expect(errorOf({ ...base, RELAY_THREAD_KEY: "short" })).toMatch(/^RELAY_THREAD_KEY is too short/);
    expect(errorOf({ ...base, RELAY_THREAD_KEY_PREVIOUS: "short" })).toMatch(/^RELAY_THREAD_KEY_PREVIOUS is too short/);
    const farAhead = new Date(Date.now() + 40 * 86_400_000).toISOString();
    expect(errorOf({ ...base, RELAY_LEGACY_THREADS_UNTIL: farAhead })).toMatch(
      /^RELAY_LEGACY_THREADS_UNTIL must be at most 31 days/,
    );
    expect(errorOf({ ...base, RELAY_LEGACY_THREADS_UNTIL: "soon" })).toMatch(
      /^RELAY_LEGACY_THREADS_UNTIL must be a date/,
    );
    expect(errorOf({ ...base, RELAY_URL_TOKENS: "a,b/c" })).toMatch(/^RELAY_URL_TOKENS must be URL tokens/);
    expect(configFromEnv({ ...base, RELAY_URL_TOKENS: " tokA, tokB ,", RELAY_METRICS_PORT: "9100" })).toMatchObject({
      urlTokens: ["tokA", "tokB"],
      metricsPort: 9100,
      redisCommandTimeoutMs: 2000,
    });
    const { CXONE_ACCESS_KEY_SECRET: _, ...partial } = cxone;
    expect(errorOf({ ...base, ...partial })).toMatch(/^CXONE_ACCESS_KEY_SECRET is missing/);
    expect(errorOf({ ...base, ...cxone, CXONE_AUTH_HOST: "http://evil.example" })).toMatch(/^CXONE_AUTH_HOST must/);
  });

  test("RELAY_TRUST_PROXY: true, or the proxies' addresses and ranges; a hop count is refused with what to set", () => {
    expect(configFromEnv(base).trustProxy).toBe(false);
    expect(configFromEnv({ ...base, RELAY_TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(configFromEnv({ ...base, RELAY_TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(
      configFromEnv({ ...base, RELAY_TRUST_PROXY: " 10.0.0.0/8, 192.168.1.1,fd00::/8,loopback" }).trustProxy,
    ).toEqual(["10.0.0.0/8", "192.168.1.1", "fd00::/8", "loopback"]);
    expect(errorOf({ ...base, RELAY_TRUST_PROXY: "1" })).toMatch(
      /^RELAY_TRUST_PROXY takes the load balancer's addresses or CIDR ranges \(e\.g\. 10\.0\.0\.0\/8\), not a hop count/,
    );
    expect(errorOf({ ...base, RELAY_TRUST_PROXY: "10.0.0.0/33" })).toMatch(/^RELAY_TRUST_PROXY has "10\.0\.0\.0\/33"/);
    expect(errorOf({ ...base, RELAY_TRUST_PROXY: "lb.internal" })).toMatch(/not an IP address or CIDR range/);
  });

  test("the older Cognigy route: COGNIGY_API_URL and COGNIGY_API_KEY together, instead of the endpoint URL", () => {
    const { COGNIGY_ENDPOINT_URL: _, ...noEndpoint } = base;
    const api = { COGNIGY_API_URL: "https://api-trial.cognigy.ai/", COGNIGY_API_KEY: "k-123" };
    expect(configFromEnv({ ...noEndpoint, ...api })).toMatchObject({
      cognigyApiUrl: "https://api-trial.cognigy.ai",
      cognigyApiKey: "k-123",
    });
    expect(errorOf(noEndpoint)).toMatch(/^COGNIGY_ENDPOINT_URL is missing/);
    expect(errorOf({ ...noEndpoint, COGNIGY_API_URL: api.COGNIGY_API_URL })).toMatch(/^COGNIGY_API_KEY is missing/);
    expect(errorOf({ ...noEndpoint, COGNIGY_API_KEY: "k" })).toMatch(/^COGNIGY_API_URL is missing/);
    // With the endpoint URL set, the endpoint route is used and a Cognigy API key for the admin CLI is not a route.
    expect(configFromEnv({ ...base, ...api })).toMatchObject({ cognigyApiUrl: undefined, cognigyApiKey: undefined });
    expect(configFromEnv({ ...base, COGNIGY_API_KEY: "k" }).cognigyApiKey).toBeUndefined();
    expect(errorOf({ ...noEndpoint, ...api, COGNIGY_API_URL: "http://api.example" })).toMatch(/^COGNIGY_API_URL must/);
  });

  test("npm run relay: a bad environment exits non-zero with one line; a good one serves and stops on SIGTERM", async () => {
    const bad = await run({ ...base, RELAY_CLIENT_SECRET: "" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^relay: not started: RELAY_CLIENT_SECRET is missing/),
    ]);

    const good = await run(
      { ...base, COGNIGY_ENDPOINT_URL: "http://127.0.0.1:9", RELAY_PORT: "0", RELAY_HOST: "127.0.0.1" },
      true,
    );
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('"msg":"relay listening"');
    expect(good.stdout).toContain("case events off");
    expect(good.stdout).toContain('"msg":"relay stopped"');
    expect(good.stdout).not.toContain(base.RELAY_CLIENT_SECRET);
  }, 60_000);
});

function run(env: Record<string, string>, stopWhenListening = false) {
  const root = path.join(__dirname, "..", "..");
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/relay/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", CXONE_HANDOVER_DEV_MODE: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
    if (stopWhenListening && stdout.includes("relay listening")) child.kill("SIGTERM");
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
}

describe("tokens", () => {
  test("verify: issued ok; tampered, foreign, expired and malformed refused", () => {
    let now = 1_000_000;
    const issuer = new TokenIssuer("id", "secret-secret-secret", 60, () => now);
    const token = issuer.issue().access_token;
    expect(issuer.verify(`Bearer ${token}`)).toEqual({ ok: true });
    expect(issuer.verify(undefined)).toEqual({ ok: false, reason: "missing" });
    expect(issuer.verify("Bearer a.b")).toEqual({ ok: false, reason: "malformed" });
    const other = new TokenIssuer("id", "another-secret-value", 60, () => now);
    expect(issuer.verify(`Bearer ${other.issue().access_token}`)).toEqual({ ok: false, reason: "forged" });
    const [p, body, mac] = token.split(".");
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const longer = Buffer.from(JSON.stringify({ ...payload, exp: payload.exp + 10_000 })).toString("base64url");
    expect(issuer.verify(`Bearer ${p}.${longer}.${mac}`)).toEqual({ ok: false, reason: "forged" });
    expect(issuer.verify(`Bearer ${token}`)).toEqual({ ok: true }); // again, from the cache of verified tokens
    now += 61_000;
    expect(issuer.verify(`Bearer ${token}`)).toEqual({ ok: false, reason: "expired" });
    expect(issuer.verify(`Bearer ${token}`)).toEqual({ ok: false, reason: "expired" });
    expect(issuer.credentialsValid("id", "secret-secret-secret")).toBe(true);
    expect(issuer.credentialsValid("id", "secret-secret-secreT")).toBe(false);
    expect(issuer.credentialsValid("id", undefined)).toBe(false);
  });
});

describe("splitText", () => {
  test("keeps everything, in order, under the limit, at word breaks, never splitting a surrogate pair", () => {
    expect(splitText("short", 10)).toEqual(["short"]);
    const words = splitText("aaaa bbbb cccc dddd", 10);
    expect(words).toEqual(["aaaa bbbb ", "cccc dddd"]);
    const emoji = "😀".repeat(8);
    const parts = splitText(emoji, 5);
    expect(parts.join("")).toBe(emoji);
    expect(parts.every((p) => p.length <= 5 && !/^[\udc00-\udfff]/.test(p))).toBe(true);
  });
});
