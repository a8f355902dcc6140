// Delivering an agent reply to Cognigy: exactly once through retries and failures, split when long, bad bodies refused.
import { COGNIGY_API_KEY } from "../../test/support/fake-cognigy";
import { bearer, post } from "../../test/support/http";
import { conversation, logSink, openCase, threadIdOf, useRelayEnv } from "../../test/support/relay";
import * as agentMessage from "./agent-message";
import { MemoryStore } from "./store";

const env = useRelayEnv();

describe("agent replies", () => {
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
