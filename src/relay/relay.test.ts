import { COGNIGY_API_KEY } from "../../test/support/fake-cognigy";
import { bearer, creds, post } from "../../test/support/http";
import { conversation, logSink, openCase, RELAY_CLIENT, threadIdOf, useRelayEnv } from "../../test/support/relay";
import { ByocAgent } from "../../testbed/sandbox/byoc-agent";
import * as agentMessage from "./agent-message";
import { MemoryStore } from "./store";

const env = useRelayEnv();

describe("token endpoint", () => {
  test("a Basic header with a malformed escape is invalid_client (401), not a server error", async () => {
    const relay = await env.relay();
    const basic = Buffer.from("%E0%A4%A:secret").toString("base64");
    const res = await post(
      `${relay.boxUrl}/1.0/token`,
      { grant_type: "client_credentials" },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("invalid_client");
  });

  test("client credentials as JSON, form or HTTP Basic get a short-lived bearer", async () => {
    const relay = await env.relay({ tokenTtlSeconds: 600 });
    const json = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials", ...creds() });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 600 });
    expect(json.headers.get("cache-control")).toBe("no-store");

    const form = await fetch(`${relay.boxUrl}/1.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", ...creds() }).toString(),
    });
    expect(form.status).toBe(200);

    const basic = Buffer.from(`${RELAY_CLIENT.clientId}:${RELAY_CLIENT.clientSecret}`).toString("base64");
    const viaBasic = await post(
      `${relay.boxUrl}/1.0/token`,
      { grant_type: "client_credentials" },
      {
        authorization: `Basic ${basic}`,
      },
    );
    expect(viaBasic.status).toBe(200);
  });

  test("wrong credentials are invalid_client (401); a wrong grant is unsupported_grant_type (400)", async () => {
    const relay = await env.relay();
    const wrongSecret = await post(`${relay.boxUrl}/1.0/token`, {
      grant_type: "client_credentials",
      client_id: RELAY_CLIENT.clientId,
      client_secret: `${RELAY_CLIENT.clientSecret}x`,
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe("invalid_client");
    const wrongId = await post(`${relay.boxUrl}/1.0/token`, {
      grant_type: "client_credentials",
      client_id: "someone",
      client_secret: RELAY_CLIENT.clientSecret,
    });
    expect(wrongId.status).toBe(401);
    const missing = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials" });
    expect(missing.status).toBe(401);
    const grant = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "password", ...creds() });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe("unsupported_grant_type");
  });

  test("calls without, with a forged or with an expired bearer are refused 401", async () => {
    let now = Date.now();
    const relay = await env.relay({ tokenTtlSeconds: 60 }, { now: () => now });
    const caseId = await openCase(env.sandbox, conversation("tok-1"));
    const threadId = env.sandbox.cases.get(caseId)!.threadIdOnExternalPlatform;
    const url = `${relay.boxUrl}/1.0/posts/${threadId}/messages`;
    const body = { id: "m-1", messageContent: { type: "TEXT", payload: { text: "hi" } } };

    expect((await post(url, body)).status).toBe(401);
    const good = await bearer(relay.boxUrl);
    const [prefix, payload, mac] = good.authorization.slice(7).split(".");
    const flipped = `${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`;
    expect((await post(url, body, { authorization: `Bearer ${prefix}.${payload}.${flipped}` })).status).toBe(401);
    // A token signed by a relay with another secret (or by anyone guessing) does not verify.
    const other = await env.relay({ clientSecret: "another-relay-secret-000000" });
    const otherToken = await post(`${other.boxUrl}/1.0/token`, {
      grant_type: "client_credentials",
      client_id: RELAY_CLIENT.clientId,
      client_secret: "another-relay-secret-000000",
    });
    expect((await post(url, body, { authorization: `Bearer ${otherToken.body.access_token}` })).status).toBe(401);
    expect((await post(url, body, { authorization: "Bearer nonsense" })).status).toBe(401);

    expect((await post(url, body, good)).status).toBe(200);
    now += 61_000;
    const expired = await post(url, { ...body, id: "m-2" }, good);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain("invalid_token");
    expect(env.cognigy.delivered()).toHaveLength(1);
  });

  test("the byoc agent follows CXone's flow: 401, token, retry with the bearer", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("flow"));
    const agent = env.agent(relay, { tokenEncoding: "form" });
    const first = await agent.reply(env.sandbox, caseId, "Hello from Anna");
    expect(first.status).toBe(200);
    expect(first.tokenRequests).toBe(1);
    expect(first.attempts.map((a) => a.status)).toEqual([200]);
    const second = await agent.reply(env.sandbox, caseId, "Second message");
    expect(second.tokenRequests).toBe(0);
  });
});

describe("agent replies", () => {
  test("a conversation whose ids are as long as a thread id allows is routed back intact", async () => {
    const relay = await env.relay();
    // 256 is the per-id limit (src/handover/thread.ts); together these still fit in 1,024 characters.
    const ref = conversation("long", { userId: `u${"x".repeat(255)}`, sessionId: `s${"y".repeat(199)}` });
    const caseId = await openCase(env.sandbox, ref);
    const reply = await env.agent(relay).reply(env.sandbox, caseId, "Hello, long ids");
    expect(reply.status).toBe(200);
    const [notify] = env.cognigy.delivered();
    expect(notify).toMatchObject({ route: "notify", urlToken: ref.urlToken });
    expect(notify.body).toMatchObject({ userId: ref.userId, sessionId: ref.sessionId, text: "Hello, long ids" });
  });

  test("reach the right conversation through Notify, with the agent only when details were asked for", async () => {
    const relay = await env.relay();
    env.sandbox.agents.push({
      id: "1003",
      firstName: "Chloé",
      surname: "Martin",
      imageUrl: "https://example.invalid/c.png",
    });
    const plain = conversation("plain");
    const detailed = conversation("detailed", { displayAgentDetails: true });
    const plainCase = await openCase(env.sandbox, plain);
    const detailedCase = await openCase(env.sandbox, detailed);
    env.sandbox.assignAgent(plainCase, "1001");
    env.sandbox.assignAgent(detailedCase, "1003");
    const agent = env.agent(relay);

    const a = await agent.reply(env.sandbox, plainCase, "Hi, I'm Anna. How can I help?");
    const b = await agent.reply(env.sandbox, detailedCase, "Bonjour !", {
      attachments: [{ name: "invoice.pdf", url: "https://files.example.invalid/invoice.pdf" }],
    });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ idOnExternalPlatform: expect.stringMatching(/^cgyr-/) });
    expect(b.status).toBe(200);

    const notifies = env.cognigy.delivered({ route: "notify" });
    expect(notifies).toHaveLength(2);
    expect(notifies[0]).toMatchObject({
      urlToken: plain.urlToken,
      body: {
        userId: plain.userId,
        sessionId: plain.sessionId,
        text: "Hi, I'm Anna. How can I help?",
        data: { cxone: { event: "agentMessage", messageId: a.idOnExternalPlatform, contactId: plainCase } },
      },
    });
    expect(notifies[0].body.data?.cxone).not.toHaveProperty("agent");
    expect(notifies[1]).toMatchObject({
      urlToken: detailed.urlToken,
      body: {
        userId: detailed.userId,
        sessionId: detailed.sessionId,
        text: "Bonjour !",
        data: {
          cxone: {
            event: "agentMessage",
            agent: { name: "Chloé", avatarUrl: "https://example.invalid/c.png" },
            attachments: [{ name: "invoice.pdf", url: "https://files.example.invalid/invoice.pdf" }],
          },
        },
      },
    });
  });

  test("the DFO 3.0 outbound variant routes by thread.idOnExternalPlatform and answers message.idOnExternalPlatform", async () => {
    const relay = await env.relay();
    const ref = conversation("outbound");
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    const agent = env.agent(relay, { mode: "outbound" });
    const sent = await agent.reply(env.sandbox, caseId, "Outbound hello");
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      message: { idOnExternalPlatform: expect.stringMatching(/^cgyr-/), createdAtWithMilliseconds: expect.any(String) },
      thread: { idOnExternalPlatform: threadIdOf(ref) },
    });
    // No CXone message id in this variant: CXone's retry of the same body is still recognised (content + timestamp).
    const again = await agent.deliver(env.sandbox, caseId, sent.message);
    expect(again.idOnExternalPlatform).toBe(sent.idOnExternalPlatform);
    // The agent deliberately sending the same words again later is a new message.
    const repeat = await agent.reply(env.sandbox, caseId, "Outbound hello");
    expect(repeat.idOnExternalPlatform).not.toBe(sent.idOnExternalPlatform);
    expect(env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text)).toEqual([
      "Outbound hello",
      "Outbound hello",
    ]);
  });

  test("the same CXone message id delivered twice reaches the user once and gets the same id back", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("dup"));
    const agent = env.agent(relay);
    const first = await agent.reply(env.sandbox, caseId, "Only once please");
    const second = await agent.deliver(env.sandbox, caseId, first.message);
    const concurrent = await Promise.all([1, 2, 3].map(() => agent.deliver(env.sandbox, caseId, first.message)));
    expect(second.status).toBe(200);
    expect(second.idOnExternalPlatform).toBe(first.idOnExternalPlatform);
    expect(concurrent.map((r) => r.idOnExternalPlatform)).toEqual(Array(3).fill(first.idOnExternalPlatform));
    expect(env.cognigy.delivered({ route: "notify" })).toHaveLength(1);
    expect(await relay.metrics.registry.getSingleMetricAsString("relay_agent_messages_total")).toMatch(
      /outcome="duplicate"} 4/,
    );
  });

  test("Cognigy 5xx: CXone gets a non-200, its retry delivers exactly once", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("outage"));
    env.cognigy.fail(503, 2, "notify");
    const agent = env.agent(relay, { maxAttempts: 1 });
    const failed = await agent.reply(env.sandbox, caseId, "Are you there?");
    expect(failed.status).toBe(503);
    expect(env.cognigy.delivered()).toHaveLength(0);
    // CXone retries the same message (a bounded number of times) until the relay answers 200.
    const retrying = env.agent(relay, { maxAttempts: 5 });
    const retried = await retrying.deliver(env.sandbox, caseId, failed.message);
    expect(retried.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text)).toEqual(["Are you there?"]);
    const late = await retrying.deliver(env.sandbox, caseId, failed.message);
    expect(late.idOnExternalPlatform).toBe(retried.idOnExternalPlatform);
    expect(env.cognigy.delivered({ route: "notify" })).toHaveLength(1);
  });

  test("Cognigy timeout: non-200, then the retry delivers exactly once", async () => {
    const relay = await env.relay({ cognigyTimeoutMs: 300 });
    const caseId = await openCase(env.sandbox, conversation("slow"));
    env.cognigy.hang(1, "notify");
    const agent = env.agent(relay, { maxAttempts: 3 });
    const sent = await agent.reply(env.sandbox, caseId, "Slow day?");
    expect(sent.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(env.cognigy.delivered({ route: "notify" })).toHaveLength(1);
  });

  test("Cognigy refusing the message (4xx) is a 502, never a 200", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("refused"));
    env.cognigy.fail(404, 1, "notify");
    const sent = await env.agent(relay, { maxAttempts: 1 }).reply(env.sandbox, caseId, "Hello?");
    expect(sent.status).toBe(502);
    expect(sent.body).toMatchObject({ error: "cognigy_refused" });
  });

  test("a text over Cognigy's 10,000 characters arrives whole, in order, in several Notifies", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("long"));
    const text = Array.from({ length: 2500 }, (_, i) => `word${i}`).join(" ") + "\n\n" + "x".repeat(12_000);
    const sent = await env.agent(relay).reply(env.sandbox, caseId, text);
    expect(sent.status).toBe(200);
    const parts = env.cognigy.delivered({ route: "notify" });
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.every((p) => (p.body.text ?? "").length <= 10_000)).toBe(true);
    expect(parts.map((p) => p.body.text).join("")).toBe(text);
    expect(parts.map((p) => p.body.data?.cxone?.part)).toEqual(parts.map((_, i) => i + 1));
    expect(new Set(parts.map((p) => p.body.data?.cxone?.messageId))).toEqual(new Set([sent.idOnExternalPlatform]));
  });

  test("a multi-part message interrupted by a Cognigy failure resumes without repeating parts", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("resume"));
    const text = "a".repeat(9_000) + " " + "b".repeat(9_000) + " " + "c".repeat(9_000);
    // Part 1 accepted, part 2 refused once.
    env.cognigy.fail(503, 1, "notify", 1);
    const broken = await env.agent(relay, { maxAttempts: 1 }).reply(env.sandbox, caseId, text);
    expect(broken.status).toBe(503);
    const fixed = await env.agent(relay).deliver(env.sandbox, caseId, broken.message);
    expect(fixed.status).toBe(200);
    const texts = env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text);
    expect(texts).toHaveLength(3);
    expect(texts.join("")).toBe(text);
  });

  test("the store failing after Cognigy accepted: CXone still gets 200, so the user does not get it twice", async () => {
    const store = new MemoryStore();
    const set = store.set.bind(store);
    store.set = async (key, value, ttl) => {
      if (key.startsWith("done:")) throw new Error("store down");
      return set(key, value, ttl);
    };
    const relay = await env.relay({}, { store });
    const caseId = await openCase(env.sandbox, conversation("store-down"));
    const answer = await env.agent(relay).reply(env.sandbox, caseId, "Delivered despite the store");
    expect(answer.status).toBe(200);
    expect(answer.attempts).toHaveLength(1);
    expect(env.cognigy.delivered({ route: "notify" })).toHaveLength(1);
  });

  test("a malformed event the relay built is a logged programmer error, answered 500 without Retry-After", async () => {
    // A relay bug, simulated: the message's id comes out empty, so its agentMessage event fails the event schema.
    const real = agentMessage.toAgentMessage;
    const build = jest.spyOn(agentMessage, "toAgentMessage").mockImplementation((...args) => {
      const built = real(...args);
      return typeof built === "string" ? built : { ...built, idOnExternalPlatform: "" };
    });
    try {
      const { lines, options } = logSink();
      const relay = await env.relay({ logLevel: "info" }, options);
      const url = `${relay.boxUrl}/1.0/posts/${threadIdOf(conversation("relay-bug"))}/messages`;
      const body = { id: "m-bug", messageContent: { type: "TEXT", payload: { text: "Hello" } } };
      const auth = await bearer(relay.boxUrl);
      // The same answer on CXone's retry: nothing about it is temporary.
      for (const sent of [await post(url, body, auth), await post(url, body, auth)]) {
        expect(sent.status).toBe(500);
        expect(sent.body).toEqual({ error: "relay_error", reason: expect.any(String) });
        expect(sent.headers.get("retry-after")).toBeNull();
      }
      expect(env.cognigy.calls).toHaveLength(0);
      const log = lines.join("");
      expect(log).toMatch(/"problem":"the relay built a malformed agentMessage event \(messageId: [^"]+\)"/);
      expect(log).toContain("programmer error");
      expect(log).not.toContain("store unavailable");
      expect(log).not.toContain("Hello");
    } finally {
      build.mockRestore();
    }
  });

  test("a thread the relay did not create is never answered 2xx", async () => {
    const relay = await env.relay();
    const auth = await bearer(relay.boxUrl);
    const body = { id: "x", messageContent: { type: "TEXT", payload: { text: "hi" } } };
    const foreign = await post(`${relay.boxUrl}/1.0/posts/someone-elses-thread/messages`, body, auth);
    expect(foreign.status).toBe(404);
    const outbound = await post(
      `${relay.boxUrl}/2.0/channel/chat_x/outbound`,
      { ...body, thread: { idOnExternalPlatform: "cgy1.bm90LWpzb24" } },
      auth,
    );
    expect(outbound.status).toBe(404);
    expect(env.cognigy.calls).toHaveLength(0);
  });

  test("malformed and oversized bodies are refused with a reason and never echoed", async () => {
    const relay = await env.relay({ bodyLimitBytes: 64 * 1024 });
    const auth = await bearer(relay.boxUrl);
    const threadId = threadIdOf(conversation("bad"));
    const url = `${relay.boxUrl}/1.0/posts/${threadId}/messages`;
    const notJson = await post(url, undefined, auth, '{"messageContent": secret-words');
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(notJson.body)).not.toContain("secret-words");
    const wrongType = await post(url, { messageContent: { payload: { text: 42 } } }, auth);
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.reason).toContain("messageContent.payload.text");
    const empty = await post(url, { messageContent: { type: "TEXT", payload: {} } }, auth);
    expect(empty.status).toBe(400);
    expect(empty.body.reason).toContain("no text");
    const badAttachment = await post(url, { content: "see file", attachments: [{ url: "javascript:alert(1)" }] }, auth);
    expect(badAttachment.status).toBe(400);
    const noThread = await post(`${relay.boxUrl}/2.0/channel/c/outbound`, { content: "hi" }, auth);
    expect(noThread.status).toBe(400);
    expect(noThread.body.reason).toContain("thread");
    const huge = await post(url, { id: "h", content: "y".repeat(70 * 1024) }, auth);
    expect(huge.status).toBe(413);
    const text = await fetch(url, { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: "hi" });
    expect(text.status).toBe(415);
    // Only the token route takes a form.
    const form = await fetch(url, {
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      body: "content=hi",
    });
    expect(form.status).toBe(415);
    expect(env.cognigy.calls).toHaveLength(0);
    // Extra, unknown fields are tolerated.
    const extra = await post(url, { id: "ok-1", content: "fine", somethingNew: { a: 1 } }, auth);
    expect(extra.status).toBe(200);
  });

  test("1,000 concurrent conversations: every message reaches its own conversation, no cross-talk", async () => {
    const relay = await env.relay({ rateLimitPerMinute: 100_000 });
    const refs = Array.from({ length: 1000 }, (_, i) => conversation(`load${i}`));
    const cases = await Promise.all(refs.map((ref) => openCase(env.sandbox, ref, true)));
    const agent = env.agent(relay);
    await agent.reply(env.sandbox, cases[0], "warm-up (gets the token)");
    env.cognigy.reset();
    const results = await Promise.all(
      cases.map((c, i) => agent.reply(env.sandbox, c, `message for ${refs[i].userId}`)),
    );
    expect(results.filter((r) => r.status !== 200)).toHaveLength(0);
    const delivered = env.cognigy.delivered({ route: "notify" });
    expect(delivered).toHaveLength(1000);
    for (const call of delivered) {
      const n = call.body.userId.slice("user-".length);
      expect(call.urlToken).toBe(`tok${n}`);
      expect(call.body.sessionId).toBe(`session-${n}`);
      expect(call.body.text).toBe(`message for user-${n}`);
    }
    expect(new Set(results.map((r) => r.idOnExternalPlatform)).size).toBe(1000);
  });

  test("agent typing is never forwarded to an endpoint that cannot use it (Webchat, messaging channels)", async () => {
    const relay = await env.relay({ forwardTyping: true });
    const ref = conversation("typing-webchat", { takesDataEvents: false });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    const typing = await env.agent(relay).typing(env.sandbox, caseId, true);
    expect(typing.status).toBe(204);
    expect(env.cognigy.calls).toHaveLength(0);
  });

  test("agent typing answers 204 and is forwarded as a data event when switched on", async () => {
    const relay = await env.relay({ forwardTyping: true });
    const ref = conversation("typing", { takesDataEvents: true });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    const typing = await env.agent(relay).typing(env.sandbox, caseId, true);
    expect(typing.status).toBe(204);
    expect(env.cognigy.delivered({ event: "agentTyping" })).toHaveLength(1);
    expect(env.cognigy.delivered()[0].body.data?.cxone).toEqual({ event: "agentTyping", typing: true });
  });
});

describe("agent typing clears itself", () => {
  const typingEvents = () => env.cognigy.delivered({ event: "agentTyping" }).map((c) => c.body.data?.cxone?.typing);
  async function until(check: () => boolean) {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  }

  test("shown once while the agent types, cleared by the stop signal or a few seconds without one", async () => {
    const relay = await env.relay({ typingClearSeconds: 0.2 });
    const ref = conversation("typing-clears", { takesDataEvents: true });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    const agent = env.agent(relay);
    await agent.typing(env.sandbox, caseId, true);
    await agent.typing(env.sandbox, caseId, true);
    expect(typingEvents()).toEqual([true]);
    await agent.typing(env.sandbox, caseId, false);
    expect(typingEvents()).toEqual([true, false]);
    // No stop signal this time: the indicator goes away by itself.
    await agent.typing(env.sandbox, caseId, true);
    await until(() => typingEvents().length === 4);
    expect(typingEvents()).toEqual([true, false, true, false]);
    expect(env.cognigy.delivered({ event: "agentTyping" })[3].body).toMatchObject({ text: "", userId: ref.userId });
  });

  test("the agent's message ends the typing: no late 'stopped typing' after it", async () => {
    const relay = await env.relay({ typingClearSeconds: 0.2 });
    const ref = conversation("typing-message", { takesDataEvents: true });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    const agent = env.agent(relay);
    await agent.typing(env.sandbox, caseId, true);
    expect((await agent.reply(env.sandbox, caseId, "Hello, I am here")).status).toBe(200);
    // Well past the clearing delay: had the timer survived the message, a typing:false would have followed it.
    await new Promise((r) => setTimeout(r, 800));
    const order = env.cognigy.delivered({ route: "notify" }).map((c) => c.body.data?.cxone?.event);
    expect(order).toEqual(["agentTyping", "agentMessage"]);
  });
});

describe("Cognigy routes and what Webchat shows", () => {
  test("with COGNIGY_API_URL and COGNIGY_API_KEY the relay uses the older /new/v2.0/endpoint route", async () => {
    const relay = await env.relay({
      cognigyEndpointUrl: undefined,
      cognigyApiUrl: env.cognigy.url,
      cognigyApiKey: COGNIGY_API_KEY,
    });
    const ref = conversation("legacy");
    const caseId = await openCase(env.sandbox, ref);
    const res = await env.agent(relay).reply(env.sandbox, caseId, "hello over the old route");
    expect(res.status).toBe(200);
    const [call] = env.cognigy.calls;
    expect(call).toMatchObject({ route: "notify", apiRoute: true, apiKey: COGNIGY_API_KEY, urlToken: ref.urlToken });
    expect(call.body).toMatchObject({ userId: ref.userId, sessionId: ref.sessionId, text: "hello over the old route" });
  });

  test("an agent the handover shows gets the agent's picture and name on each message (Webchat hooks)", async () => {
    const relay = await env.relay();
    const ref = conversation("look", { displayAgentDetails: true, flowAnnouncesAgent: true });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    await env.agent(relay).reply(env.sandbox, caseId, "I'm here");
    const [call] = env.cognigy.delivered({ event: "agentMessage" });
    const webchat = (call.body.data as { _webchat?: Record<string, string> })._webchat;
    expect(webchat?.botAvatarOverrideNameOnce).toEqual(expect.any(String));
    expect(webchat?.botAvatarOverrideUrl).toMatch(/^https:/);
    // The flow announces the agent for such threads: the relay sends no "chatting with" Notify of its own.
    await relay.pollOnce();
    await relay.pollOnce();
    const mine = { urlToken: ref.urlToken };
    expect(env.cognigy.delivered({ ...mine, event: "agentJoined" })).toHaveLength(1);
    expect(env.cognigy.delivered({ ...mine, event: "agentDetails" })).toHaveLength(0);
  });
});

describe("operations", () => {
  test("health, metrics, request ids; no token, secret or message text in info logs", async () => {
    const { lines, options } = logSink();
    const relay = await env.relay({ logLevel: "info" }, options);
    const caseId = await openCase(env.sandbox, conversation("ops"));
    const agent = new ByocAgent({ relayBoxUrl: relay.boxUrl, ...RELAY_CLIENT, mode: "posts", retryDelayMs: 0 });
    const sent = await agent.reply(env.sandbox, caseId, "very private words");
    expect(sent.status).toBe(200);
    await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials", client_id: "x", client_secret: "y" });

    const health = await fetch(`${relay.url}/health`);
    expect(health.status).toBe(200);
    const healthBody = await health.json();
    expect(healthBody).toMatchObject({ status: "ok", caseEvents: "on", store: "memory" });
    expect(JSON.stringify(healthBody)).not.toContain(RELAY_CLIENT.clientSecret);

    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain('relay_agent_messages_total{variant="posts",outcome="delivered"} 1');
    expect(metrics).toContain("relay_http_request_duration_seconds_bucket");
    expect(metrics).toContain('relay_auth_failures_total{reason="invalid_client"} 1');

    const withId = await fetch(`${relay.url}/health`, { headers: { "x-request-id": "trace-123" } });
    expect(withId.headers.get("x-request-id")).toBe("trace-123");

    const log = lines.join("");
    const threadId = env.sandbox.cases.get(caseId)!.threadIdOnExternalPlatform;
    expect(log).toContain('"reqId"');
    expect(log).toContain('"route":"/integration/box/1.0/posts/:postId/messages"');
    for (const secret of [RELAY_CLIENT.clientSecret, "very private words", threadId, "tokops", "Bearer rt1"]) {
      expect(log).not.toContain(secret);
    }
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  test("fields the relay does not use are logged once per shape by each relay, not once per process", async () => {
    const logOf = async (n: number) => {
      const { lines, options } = logSink();
      const relay = await env.relay({ logLevel: "info" }, options);
      const caseId = await openCase(env.sandbox, conversation(`unused-fields-${n}`));
      const agent = env.agent(relay);
      for (const text of ["one", "two"]) {
        expect((await agent.reply(env.sandbox, caseId, text, { extra: { brandNewField: true } })).status).toBe(200);
      }
      return lines.filter((l) => l.includes("fields the relay does not use"));
    };
    for (const n of [1, 2]) {
      const logged = await logOf(n);
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0]).fields).toEqual(["brandNewField"]);
    }
  });

  test("failed token requests beyond the limit answer 429; the right credentials still get a token", async () => {
    const relay = await env.relay({ rateLimitPerMinute: 5 });
    const wrong = { grant_type: "client_credentials", ...creds(), client_secret: "not-the-secret-at-all" };
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await post(`${relay.boxUrl}/1.0/token`, wrong)).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
    const right = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials", ...creds() });
    expect(right.status).toBe(200);
  });

  test("close() lets an in-flight delivery finish before the relay stops", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("shutdown"));
    const agent = env.agent(relay, { maxAttempts: 1 });
    await agent.reply(env.sandbox, caseId, "warm-up");
    env.cognigy.delay(300, 1, "notify");
    const sending = agent.reply(env.sandbox, caseId, "in flight during shutdown");
    while (env.cognigy.inFlight === 0) await new Promise((r) => setTimeout(r, 2));
    await relay.close();
    const answer = await sending;
    expect(answer.status).toBe(200);
    expect(env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text)).toContain("in flight during shutdown");
  });
});
