import { captureLog, useSandbox } from "../../test/support/sandbox";
import { clearAuthCache } from "./auth";
import { CxoneClient } from "./client";
import { parseConnection } from "./config";
import { CxoneApiError, CxoneAuthError, CxoneRateLimitError, CxoneTimeoutError } from "./errors";

const env = useSandbox();
const noSleep = async () => {};

function client(options: ConstructorParameters<typeof CxoneClient>[1] = {}) {
  return new CxoneClient(env.connection, { sleep: noSleep, ...options });
}

function message(n: number) {
  return {
    threadId: `thread-${n}`,
    messageId: `m-${n}-${Date.now()}`,
    text: `hello ${n}`,
    author: { id: "user-1", firstName: "Jane", lastName: "Doe" },
  };
}

beforeEach(() => clearAuthCache());

describe("authentication", () => {
  test("the first call discovers, authenticates and then does the job; warm calls only do the job", async () => {
    const sent = await client().sendMessage(message(1));
    expect(sent.contactId).toMatch(/^\d+$/);
    expect(env.sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /.well-known/openid-configuration",
      "POST /auth/token",
      "GET /.well-known/cxone-configuration",
      "POST /dfo/3.0/channels/chat_cognigy_sandbox/messages",
    ]);
    env.sandbox.resetRequests();
    await client().getContact(sent.contactId!);
    expect(env.sandbox.requests.map((r) => r.path)).toEqual([`/dfo/3.0/contacts/${sent.contactId}`]);
  });

  test("a token restored from context (runtime torn down) needs no new token request", async () => {
    const first = client();
    await first.listChannels();
    const persisted = first.exportAuth();
    expect(persisted).toBeDefined();
    expect(JSON.stringify(persisted)).not.toContain(first.connection.clientSecret);
    clearAuthCache();
    env.sandbox.resetRequests();
    await client({ persistedAuth: persisted }).listChannels();
    expect(env.sandbox.requests.map((r) => r.path)).toEqual(["/dfo/3.0/channels"]);
  });

  test("a token cache encrypted for other credentials is ignored", async () => {
    const first = client();
    await first.listChannels();
    const persisted = {
      ...first.exportAuth()!,
      blob: first.exportAuth()!.blob.replace(/^./, (c) => (c === "A" ? "B" : "A")),
    };
    clearAuthCache();
    env.sandbox.resetRequests();
    await client({ persistedAuth: persisted }).listChannels();
    expect(env.sandbox.requestCount({ path: "/auth/token" })).toBe(1);
  });

  test("a revoked token is replaced once and the call succeeds", async () => {
    await client().listChannels();
    env.sandbox.expireTokens();
    env.sandbox.resetRequests();
    const log = captureLog();
    await expect(client({ log: log.log }).listChannels()).resolves.toHaveLength(1);
    expect(env.sandbox.requests.map((r) => `${r.method} ${r.path} ${r.authorized}`)).toEqual([
      "GET /dfo/3.0/channels false",
      "POST /auth/token false",
      "GET /dfo/3.0/channels true",
    ]);
    expect(log.text()).toContain("re-authenticating once");
  });

  test("a token close to expiry is renewed before use, never sent dying", async () => {
    env.sandbox.tokenTtlSeconds = 1;
    try {
      await client().listChannels();
      // Renewal is due once half the lifetime is gone (or 5 min before expiry for real 1 h tokens).
      await new Promise((r) => setTimeout(r, 600));
      env.sandbox.resetRequests();
      await client().listChannels();
      expect(env.sandbox.requests.map((r) => `${r.path} ${r.authorized}`)).toEqual([
        "/auth/token false",
        "/dfo/3.0/channels true",
      ]);
    } finally {
      env.sandbox.tokenTtlSeconds = 3600;
    }
  });

  test("wrong client credentials say which fields to check, and never echo the secret", async () => {
    const wrong = parseConnection({ ...env.sandbox.connection(), clientSecret: "definitely-wrong-secret" });
    const log = captureLog();
    const err = await new CxoneClient(wrong, { log: log.log, sleep: noSleep }).listChannels().catch((e) => e);
    expect(err).toBeInstanceOf(CxoneAuthError);
    expect(err.message).toMatch(/clientId and clientSecret/);
    expect(`${err.message} ${log.text()}`).not.toContain("definitely-wrong-secret");
  });

  test("a wrong access key names the access key fields", async () => {
    const wrong = parseConnection({ ...env.sandbox.connection(), accessKeySecret: "not-the-key-secret" });
    const err = await new CxoneClient(wrong, { sleep: noSleep }).listChannels().catch((e) => e);
    expect(err).toBeInstanceOf(CxoneAuthError);
    expect(err.message).toMatch(/accessKeyId and accessKeySecret/);
    expect(err.message).not.toContain("not-the-key-secret");
  });

  test("a connection with the same ids but another secret never reuses the cached token", async () => {
    await client().listChannels();
    const rotated = parseConnection({ ...env.sandbox.connection(), accessKeySecret: "revoked-or-wrong-secret" });
    const err = await new CxoneClient(rotated, { sleep: noSleep }).listChannels().catch((e) => e);
    expect(err).toBeInstanceOf(CxoneAuthError);
  });

  test("concurrent cold calls share one token request", async () => {
    await Promise.all([client().listChannels(), client().listChannels(), client().listChannels()]);
    expect(env.sandbox.requestCount({ path: "/auth/token" })).toBe(1);
  });
});

describe("retries", () => {
  test("429 with Retry-After is waited out and retried, even for a POST", async () => {
    await client().listChannels();
    env.sandbox.fault({ method: "POST", path: "/messages", status: 429, headers: { "Retry-After": "2" } });
    const waits: number[] = [];
    const sent = await client({ sleep: async (ms) => void waits.push(ms) }).sendMessage(message(2));
    expect(sent.contactId).toBeDefined();
    expect(waits).toEqual([2000]);
    expect(env.sandbox.requestCount({ path: "/messages" })).toBe(2);
  });

  test("a Retry-After longer than the time left fails fast with a rate-limit error", async () => {
    await client().listChannels();
    env.sandbox.fault({ path: "/channels", status: 429, headers: { "Retry-After": "120" } });
    const err = await client({ deadlineMs: 5000 })
      .listChannels()
      .catch((e) => e);
    expect(err).toBeInstanceOf(CxoneRateLimitError);
    expect(err.retryAfterMs).toBe(120_000);
    expect(err.message).toContain("retry after 120 s");
  });

  test("5xx is retried with growing, capped delays and then succeeds", async () => {
    await client().listChannels();
    env.sandbox.fault({ path: "/dfo/3.0/channels", status: 503, times: 2 });
    const waits: number[] = [];
    await expect(client({ sleep: async (ms) => void waits.push(ms) }).listChannels()).resolves.toHaveLength(1);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(150);
    expect(waits[1]).toBeGreaterThanOrEqual(300);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4000);
  });

  test("a typing indicator (idempotent POST) is retried after a 5xx", async () => {
    await client().listChannels();
    env.sandbox.resetRequests();
    env.sandbox.fault({ path: "/sender-actions", status: 500 });
    await expect(client().sendTyping("thread-x", true)).resolves.toBeUndefined();
    expect(env.sandbox.requestCount({ path: "/sender-actions" })).toBe(2);
  });

  test("5xx that persists surfaces CXone's own message and status", async () => {
    await client().listChannels();
    env.sandbox.resetRequests();
    env.sandbox.fault({
      path: "/dfo/3.0/channels",
      status: 502,
      times: 5,
      body: { errors: [{ message: "upstream unavailable", errorCode: "BadGateway" }], uid: "u-1" },
    });
    const err = await client()
      .listChannels()
      .catch((e) => e);
    expect(err).toBeInstanceOf(CxoneApiError);
    expect(err.status).toBe(502);
    expect(err.message).toBe("CXone list channels: HTTP 502 (upstream unavailable)");
    expect(env.sandbox.requestCount({ path: "/dfo/3.0/channels" })).toBe(3);
  });

  test("a 4xx is not retried and carries CXone's validation message", async () => {
    await client().listChannels();
    env.sandbox.resetRequests();
    const err = await client()
      .sendMessage({ ...message(3), author: { id: "" } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(CxoneApiError);
    expect(err.status).toBe(400);
    expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(1);
    // A 400 may be CXone's way of saying "already there": one look, and it is not.
    expect(env.sandbox.requestCount({ method: "GET", path: "/dfo/3.0/messages" })).toBe(1);
  });

  test("a slow CXone surfaces a timeout inside the deadline", async () => {
    await client().listChannels();
    env.sandbox.fault({ path: "/dfo/3.0/channels", delayMs: 1500, times: 5 });
    const started = Date.now();
    const err = await client({ deadlineMs: 1200, requestTimeoutMs: 400 })
      .listChannels()
      .catch((e) => e);
    expect(err).toBeInstanceOf(CxoneTimeoutError);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe("endpoints", () => {
  test("a retried send whose first attempt landed is reported as a duplicate, not an error", async () => {
    const msg = message(4);
    await client().sendMessage(msg);
    await expect(client().sendMessage(msg)).resolves.toEqual({ duplicate: true });
    expect(env.sandbox.caseForThread(msg.threadId)?.messages).toHaveLength(1);
  });

  test("routing hints and case fields reach the case", async () => {
    const msg = { ...message(5), contact: { skillId: 4242, customFields: [{ ident: "topic", value: "billing" }] } };
    const { contactId } = await client().sendMessage(msg);
    const c = env.sandbox.cases.get(contactId!)!;
    expect(c.skillId).toBe(4242);
    expect(c.customFields).toEqual([{ ident: "topic", value: "billing" }]);
  });

  test("get case returns the assigned agent; an unknown case is undefined", async () => {
    const { contactId } = await client().sendMessage(message(6));
    env.sandbox.assignAgent(contactId!, "1001");
    const contact = await client().getContact(contactId!);
    expect(contact).toMatchObject({ id: contactId, status: "open", inboxAssigneeUser: { firstName: "Anna" } });
    await expect(client().getContact("999999")).resolves.toBeUndefined();
  });

  test("closing a case sets its status; closing an unknown case reports not found", async () => {
    const { contactId } = await client().sendMessage(message(7));
    await expect(client().setContactStatus(contactId!, "closed")).resolves.toEqual({ found: true });
    expect(env.sandbox.cases.get(contactId!)!.status).toBe("closed");
    await expect(client().setContactStatus("999999", "closed")).resolves.toEqual({ found: false });
  });

  test("search pages through the channel's cases by status", async () => {
    const ids = [];
    for (let i = 0; i < 30; i++) ids.push((await client().sendMessage(message(100 + i))).contactId);
    const first = await client().searchContacts({ statuses: ["new"] });
    expect(first.contacts).toHaveLength(25);
    const second = await client().searchContacts({ statuses: ["new"], scrollToken: first.scrollToken });
    const seen = [...first.contacts, ...second.contacts].map((c) => c.id);
    for (const id of ids) expect(seen).toContain(id);
    expect(second.scrollToken).toBeUndefined();
  });

  test("abandoning a queued case closes it as abandoned; an assigned case is refused; an unknown one is not found", async () => {
    const { contactId } = await client().sendMessage(message(8));
    await expect(client().abandonContact(contactId!)).resolves.toEqual({ found: true });
    expect(env.sandbox.cases.get(contactId!)).toMatchObject({ status: "closed", abandon: { type: "abandon" } });
    const other = (await client().sendMessage(message(9))).contactId!;
    env.sandbox.assignAgent(other);
    await expect(client().abandonContact(other)).rejects.toMatchObject({ status: 400 });
    await expect(client().abandonContact("999999")).resolves.toEqual({ found: false });
  });

  test("finds the open case of a thread across search pages", async () => {
    for (let i = 0; i < 27; i++) await client().sendMessage(message(200 + i));
    const target = message(300);
    const { contactId } = await client().sendMessage(target);
    await expect(client().findContactByThread(target.threadId)).resolves.toMatchObject({ id: contactId });
    await expect(client().findContactByThread("no-such-thread")).resolves.toBeUndefined();
  });

  test("skill activity reads the admin API figures", async () => {
    env.sandbox.setSkillActivity("4242", { agentsAvailable: 3, agentsLoggedIn: 5, queueCount: 2 });
    await expect(client().getSkillActivity("4242")).resolves.toMatchObject({
      skillId: "4242",
      agentsAvailable: 3,
      agentsLoggedIn: 5,
      queueCount: 2,
    });
    await expect(client().getSkillActivity("777")).resolves.toBeUndefined();
  });
});
