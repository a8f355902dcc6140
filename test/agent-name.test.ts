import { agentDetailsNode } from "../nodes/agentDetails";
import { encodeThreadId } from "../src/handover/thread";
import { startWorld, type World } from "../testbed/demo/world";
import type { ChatEntry } from "../testbed/emulator/cognigy-endpoint";
import { newSession, runNode } from "../testbed/emulator/runtime";
import type { SandboxAgent } from "../testbed/sandbox/cxone-sandbox";

/**
 * One display name for an agent (src/handover/agent-name.ts), seen identically wherever the user or the flow meets
 * it: the relay's "You are now chatting with …" notice on threads opened before flows announced agents, the injected
 * agentJoined event, and what Send to Agent and Agent details store in context.cxoneHandover.agent. Driven end to end:
 * CXone sandbox → relay → Cognigy emulator running the built bundle.
 */

const AGENTS: (SandboxAgent & { shown: string })[] = [
  { id: "2001", firstName: "Katarzyna", surname: "Nowak", nickname: "Kasia", shown: "Kasia" },
  { id: "2002", firstName: "Ben", surname: "Okafor", shown: "Ben" },
  // A CXone user without any name (an API or integration user taking the case) is still an agent joining.
  { id: "2003", shown: "Agent" },
];

type Cxone = { event?: string; agent?: { id?: string; name?: string } };
const cxoneOf = (data: unknown) => ((data ?? {}) as { cxone?: Cxone }).cxone ?? {};

describe("an agent's display name is the same string in the relay's notice, the event and the nodes' context", () => {
  let world: World;
  /** A conversation whose handover was opened by an older Hand over: its relay announces the agent itself. */
  const old = { userId: "old-user", sessionId: "old-session", urlToken: "oldtoken1" };
  let oldCase = "";

  beforeAll(async () => {
    world = await startWorld({ agents: AGENTS.map(({ shown: _, ...agent }) => agent) });
    await world.user("Can I talk to a human agent, please?");
    await world.waitForCase();
    const threadId = encodeThreadId(
      { ...old, handoverId: "h-old", displayAgentDetails: true, flowAnnouncesAgent: false },
      world.sandbox.connection().threadKey,
    );
    [oldCase] = world.sandbox.createCases([{ threadId, endUserId: old.userId }]);
  }, 60_000);
  afterAll(() => world?.stop());

  test.each(AGENTS.map((a) => [a.shown, a] as const))("%s", async (shown, agent) => {
    const { endpoint, sandbox } = world;
    world.assignAgent(agent.id);
    sandbox.assignAgent(oldCase, agent.id);
    const about = (e: ChatEntry) => cxoneOf(e.data).agent?.id === agent.id;

    // 1. The relay's notice on the old thread (a Notify the user sees).
    const notice = await endpoint.waitFor(
      (e) => about(e) && cxoneOf(e.data).event === "agentDetails" && e.conversation.startsWith(old.urlToken),
      10_000,
      `the relay's notice for ${agent.id}`,
    );
    // 2. The flow's own announcement after the injected agentJoined (Webchat's event chip).
    const chip = await endpoint.waitFor(
      (e) => about(e) && e.drawn.as === "chip" && e.conversation.startsWith(world.conversation.urlToken),
      10_000,
      `the flow's announcement of ${agent.id}`,
    );
    const joined = endpoint.executions
      .map((x) => cxoneOf(x.input.data))
      .find((cx) => cx.event === "agentJoined" && cx.agent?.id === agent.id);
    // 3. What Send to Agent stored, then what Agent details reads from CXone and stores.
    const context = endpoint.session(world.conversation).context as { cxoneHandover: { agent: { name: string } } };
    const storedByGate = context.cxoneHandover.agent.name;
    const { userId, sessionId, urlToken } = world.conversation;
    const session = { ...newSession({ userId, sessionId, URLToken: urlToken }), context: structuredClone(context) };
    const details = await runNode(agentDetailsNode, {
      config: { connection: sandbox.connection(), say: true },
      session,
    });
    expect(details.error).toBeUndefined();
    const storedByDetails = (session.context as typeof context).cxoneHandover.agent.name;

    const seen = {
      relayNotice: notice.text,
      flowNotice: chip.text,
      agentJoined: joined?.agent?.name,
      gateContext: storedByGate,
      agentDetailsContext: storedByDetails,
      agentDetailsSays: details.outputs.map((o) => o.text).join(),
    };
    expect(seen).toEqual({
      relayNotice: `You are now chatting with ${shown}`,
      flowNotice: `You are now chatting with ${shown}`,
      agentJoined: shown,
      gateContext: shown,
      agentDetailsContext: shown,
      agentDetailsSays: `You are now chatting with ${shown}`,
    });
  });
});
