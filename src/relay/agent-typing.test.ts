// Agent typing: forwarded only where the endpoint can use it, and cleared by a stop, a message or a quiet moment.
import { conversation, openCase, useRelayEnv } from "../../test/support/relay";
import { until } from "../../test/support/until";

const env = useRelayEnv();

describe("agent replies", () => {
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
    await until("the typing indicator to clear itself", () => typingEvents().length === 4);
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
