import { startWorld, type World } from "../testbed/demo/world";

/**
 * Messaging endpoints expire a Cognigy session after 30 idle minutes by default ("a new one starts after the next
 * user input", with a new context). What happens to a handover that outlives its session, end to end: the relay keeps
 * delivering to the session the handover was opened in (Cognigy answers 2xx either way, so it cannot tell), late
 * events for it are absorbed without the bot talking, and the user's next message starts over with the bot. The
 * README therefore asks for Session Expiration 0 (or longer than any handover) on those endpoints.
 */

const MINUTE = 60_000;

describe("a handover that outlives its Cognigy session (messaging endpoint, 30 min expiry)", () => {
  let world: World;
  let now = Date.now();

  beforeAll(async () => {
    world = await startWorld({
      platform: { endpointType: "whatsapp", sessionExpiryMs: 30 * MINUTE, now: () => now },
    });
  }, 60_000);
  afterAll(() => world?.stop());

  test("replies still reach the user, late events stay silent, the next message belongs to the bot again", async () => {
    await world.user("Can I talk to a human agent?");
    const c = await world.waitForCase();
    const opened = world.endpoint.session(world.conversation);
    expect(opened.context.cxoneHandover).toMatchObject({ status: "queue" });

    now += 31 * MINUTE;
    const reply = await world.agentSays("Sorry for the wait, I'm here now.");
    expect(reply.status).toBe(200);
    // WhatsApp shows no Webchat chrome: plain text from the agent, drawn as the bot's message.
    await world.endpoint.waitFor((e) => e.text === "Sorry for the wait, I'm here now.", 10_000, "the agent's reply");

    world.closeCase();
    for (let i = 0; i < 500 && !world.endpoint.executions.some((x) => x.input.data !== undefined); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const late = world.endpoint.executions.filter((x) => x.input.data !== undefined);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((x) => x.result.outputs.length === 0)).toBe(true);

    await world.user("Hello? Are you still there?");
    const current = world.endpoint.session(world.conversation);
    expect(current.input.sessionId).not.toBe(opened.input.sessionId);
    expect(current.context.cxoneHandover).toBeUndefined();
    const last = world.endpoint.chat[world.endpoint.chat.length - 1];
    expect(last.from).toBe("bot");
    expect(last.text).toMatch(/I'm the demo bot/);
    // The agent never saw the user's question: it went to the bot's new session, not to the case.
    expect(world.sandbox.cases.get(c.id)!.messages.some((m) => m.text === "Hello? Are you still there?")).toBe(false);
  }, 30_000);
});
