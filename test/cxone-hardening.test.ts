import { CxoneClient, clearAuthCache, parseConnection } from "../src/cxone";
import { connectionKey, digitalBaseUrl } from "../src/cxone/auth";
import { CxoneApiError } from "../src/cxone/errors";
import { DEV_MODE_VARIABLE } from "../src/cxone/secure-url";
import { useSandbox } from "./support/sandbox";

/** What a hostile or misconfigured upstream, or a copied context, can no longer do to the CXone client. */

const env = useSandbox();
const noSleep = async () => {};

beforeEach(() => clearAuthCache());

test("plain http to localhost is refused unless the process is explicitly in dev mode", () => {
  const local = { ...env.sandbox.connection(), authHost: "http://localhost:8443", dfoBaseUrl: undefined };
  expect(parseConnection(local).authHost).toBe("http://localhost:8443");
  const saved = process.env[DEV_MODE_VARIABLE];
  delete process.env[DEV_MODE_VARIABLE];
  try {
    expect(() => parseConnection(local)).toThrow(/authHost: must start with https:\/\//);
    expect(() => parseConnection({ ...local, authHost: "https://cxone.example.com" })).not.toThrow();
  } finally {
    process.env[DEV_MODE_VARIABLE] = saved;
  }
});

test("outside dev mode discovery cannot send credentials to plain http, not even on loopback", async () => {
  // Parsed while in dev mode (the sandbox is plain http); the process then leaves it.
  const client = new CxoneClient(env.connection, { sleep: noSleep });
  env.sandbox.resetRequests();
  const saved = process.env[DEV_MODE_VARIABLE];
  delete process.env[DEV_MODE_VARIABLE];
  try {
    const err = await client.listChannels().catch((e) => e);
    expect(err.message).toMatch(/non-https token endpoint; refusing to send credentials there/);
    expect(env.sandbox.requestCount({ path: "/auth/token" })).toBe(0);
  } finally {
    process.env[DEV_MODE_VARIABLE] = saved;
  }
});

test("tenant discovery's area and domain must be host name labels", () => {
  expect(digitalBaseUrl("na1", "niceincontact.com")).toBe("https://api-de-na1.niceincontact.com");
  for (const [area, domain] of [
    ["na1", "evil.example/x"],
    ["na1@evil.example", "niceincontact.com"],
    ["na1", "evil.example:444"],
    ["na1.evil.example#", "niceincontact.com"],
    ["", "niceincontact.com"],
    ["na1", "a..b"],
  ]) {
    expect(() => digitalBaseUrl(area, domain)).toThrow(/not a host name/);
  }
});

test("a token cache copied to another connection with the same secrets is not used there (bound by AAD)", async () => {
  const a = new CxoneClient(env.connection, { sleep: noSleep });
  await a.listChannels();
  const persisted = a.exportAuth()!;
  // Same secrets, another Digital host: the copied cache, relabelled for it, must not decrypt.
  const other = parseConnection({
    ...env.sandbox.connection(),
    dfoBaseUrl: env.sandbox.url.replace("127.0.0.1", "localhost"),
  });
  clearAuthCache();
  env.sandbox.resetRequests();
  const b = new CxoneClient(other, { sleep: noSleep, persistedAuth: { ...persisted, key: connectionKey(other) } });
  await b.listChannels();
  expect(env.sandbox.requestCount({ path: "/auth/token" })).toBe(1);
});

test("an error answer's text reaches the node's error short and printable", async () => {
  const long = `bad\u0000\u001b[31m ${"x".repeat(400)}`;
  env.sandbox.fault({ path: "/channels", status: 400, body: { errors: [{ message: long, errorCode: "E" }] } });
  const err = await new CxoneClient(env.connection, { sleep: noSleep }).listChannels().catch((e) => e);
  expect(err).toBeInstanceOf(CxoneApiError);
  expect(err.cxoneMessage.length).toBeLessThanOrEqual(120);
  expect([...err.message].some((c: string) => c.charCodeAt(0) < 32)).toBe(false);
  expect(err.message).not.toContain("x".repeat(121));
});
