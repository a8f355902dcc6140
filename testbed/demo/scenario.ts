import type { ChatEntry } from "../emulator/cognigy-endpoint";
import type { World } from "./world";

/** A line about what happens behind the chat (in CXone, in the relay). */
export type Narrate = (text: string) => void;

const byAgent = (pattern: RegExp) => (e: ChatEntry) => e.from === "agent" && pattern.test(e.text);
const byBot = (pattern: RegExp) => (e: ChatEntry) => e.from === "bot" && pattern.test(e.text);

/**
 * The whole handover, scripted: the user chats with the bot, asks for an agent, the agent joins, they talk, the
 * case is transferred to a second agent who types and answers, closes the case and the bot takes over again. `npm run demo` plays it; the end-to-end test asserts on it.
 */
export async function playScenario(world: World, narrate: Narrate = () => {}): Promise<void> {
  const { endpoint } = world;

  await world.user("Hi there!");
  await world.user("When are you open?");
  await world.user("My parcel hasn't arrived. Can I talk to a human agent, please?");

  const c = await world.waitForCase();
  narrate(`CXone: case ${c.id} opened on channel ${c.channelId} (skill ${c.skillId ?? "default"}), status ${c.status}`);
  for (const m of c.messages) narrate(`CXone agent inbox <- ${m.text.replace(/\n/g, "\n                  ")}`);

  narrate("CXone: routing assigns the case to agent Anna Smith");
  world.assignAgent("1001");
  await endpoint.waitFor(
    (e) => e.drawn.as === "chip" && /chatting with/i.test(e.text),
    10_000,
    "the agent-joined notice",
  );

  await world.agentSays("Hi Jane, I'm Anna. Sorry about your parcel. What's the order number?");
  await endpoint.waitFor(byAgent(/order number/), 10_000, "the agent's first reply");

  await world.user("It's order 1234.");
  await waitForInbox(world, "It's order 1234.");
  narrate("CXone agent inbox <- It's order 1234.");

  narrate("CXone: Anna transfers the case to Ben Okafor (shipping)");
  world.assignAgent("1002");
  await endpoint.waitFor((e) => e.drawn.as === "chip" && /chatting with Ben/.test(e.text), 10_000, "the transfer");

  const typing = await world.agentTyping(true);
  narrate(
    `CXone: Ben is typing → relay ${typing.status}; ${
      world.forwardsTyping
        ? "the client gets data.cxone agentTyping"
        : "Webchat v3 draws no dots for a Notify, so only Socket/Webhook clients get data.cxone agentTyping"
    }`,
  );
  await world.agentSays("Thanks! Order 1234 leaves our warehouse tomorrow morning; you'll get a tracking e-mail.");
  await endpoint.waitFor(byAgent(/tracking/), 10_000, "the agent's second reply");

  await world.user("Great, thank you!");
  await waitForInbox(world, "Great, thank you!");
  narrate("CXone agent inbox <- Great, thank you!");

  narrate("CXone: Ben resolves the case");
  world.closeCase();
  await endpoint.waitFor(byBot(/I'm back/), 10_000, "the bot taking over again");

  await world.user("When are you open?");
}

async function waitForInbox(world: World, text: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!world.currentCase()?.messages.some((m) => m.direction === "inbound" && m.text === text)) {
    if (Date.now() > until) throw new Error(`the agent never received "${text}"`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
