// Agent replies reach the conversation their thread id names: long ids, both callback variants, foreign threads, load.
import { bearer, post } from "../../test/support/http";
import { conversation, openCase, threadIdOf, useRelayEnv } from "../../test/support/relay";

const env = useRelayEnv();

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
});
