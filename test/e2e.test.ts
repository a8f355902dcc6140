import { playScenario } from "../testbed/demo/scenario";
import { startWorld, type World } from "../testbed/demo/world";
import type { ChatEntry } from "../testbed/emulator/cognigy-endpoint";
import { SANDBOX_CREDENTIALS } from "../testbed/sandbox/cxone-sandbox";

/**
 * The demo scenario, headless, from the built bundle: bot -> agent -> bot across the sandbox, the relay and the
 * Cognigy endpoint emulator, then the same with faults. Waits are on events, never on wall-clock time.
 */

const RELAY_SECRET = "demo-relay-secret-3b9f0c2e7a41";

function relayLogCapture() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

/** What the user sees in Webchat v3: bubbles (agent messages are Notifies, drawn as the bot's) and event chips. */
const said = (chat: ChatEntry[]) =>
  chat.filter((e) => e.drawn.as !== "nothing").map((e) => `${e.drawn.as === "chip" ? "event" : e.from}: ${e.text}`);

function secretsSeen(world: World, logs: string[]): string[] {
  const haystack = JSON.stringify({
    chat: world.endpoint.chat,
    sessions: [...world.endpoint.executions],
    context: world.endpoint.session(world.conversation).context,
    logs,
  });
  const secrets = [
    SANDBOX_CREDENTIALS.clientSecret,
    SANDBOX_CREDENTIALS.accessKeySecret,
    RELAY_SECRET,
    ...world.sandbox.issuedTokens(),
  ];
  return secrets.filter((s) => haystack.includes(s));
}

const DEMO_CHAT = [
  "user: Hi there!",
  expect.stringMatching(/^bot: I'm the demo bot/),
  "user: When are you open?",
  expect.stringMatching(/^bot: We're open/),
  "user: My parcel hasn't arrived. Can I talk to a human agent, please?",
  expect.stringMatching(/^bot: Connecting you with an agent/),
  "event: You are now chatting with Anna",
  "agent: Hi Jane, I'm Anna. Sorry about your parcel. What's the order number?",
  "user: It's order 1234.",
  "event: You are now chatting with Ben",
  expect.stringMatching(/^agent: Thanks! Order 1234/),
  "user: Great, thank you!",
  expect.stringMatching(/^bot: The agent has closed the chat. I'm back/),
  "user: When are you open?",
  expect.stringMatching(/^bot: We're open/),
];

describe("the demo handover, end to end", () => {
  let world: World;
  const log = relayLogCapture();

  beforeAll(async () => {
    world = await startWorld({ relayLogStream: log.stream });
    await playScenario(world);
  }, 60_000);
  afterAll(() => world?.stop());

  test("the chat reads bot -> agent -> bot, in order", () => {
    expect(said(world.endpoint.chat)).toEqual(DEMO_CHAT);
  });

  test("each agent is announced once (the transfer too), as Webchat's event chip; messages show the writer's picture", () => {
    const notices = world.endpoint.chat.filter((e) => /chatting with/.test(e.text));
    expect(notices.map((n) => n.text)).toEqual(["You are now chatting with Anna", "You are now chatting with Ben"]);
    for (const n of notices) expect(n.drawn.as).toBe("chip");
    const agentMessages = world.endpoint.chat.filter((e) => e.from === "agent");
    expect(agentMessages.length).toBeGreaterThan(0);
    for (const m of agentMessages) {
      expect(m.data).toMatchObject({ cxone: { event: "agentMessage" } });
      // Webchat v3 draws a Notify as a bot message: only the avatar/name hooks make it Anna's.
      const writer = /Anna/.test(m.text) ? "anna" : "ben";
      expect(m.drawn).toMatchObject({
        as: "bubble",
        source: "bot",
        avatarUrl: `https://example.invalid/${writer}.png`,
      });
    }
    // Back with the bot: its own picture again.
    const back = world.endpoint.chat.find((e) => /I'm back/.test(e.text))!;
    expect(back.drawn.avatarUrl).not.toMatch(/example\.invalid/);
  });

  test("the agent got the transcript first, then exactly the user's messages during the handover", () => {
    const c = world.currentCase()!;
    const inbound = c.messages.filter((m) => m.direction === "inbound").map((m) => m.text);
    expect(inbound[0]).toContain("Customer: Hi there!");
    expect(inbound[0]).toContain("Bot: We're open Monday to Friday");
    expect(inbound[0]).toContain("Customer: My parcel hasn't arrived");
    // Oldest first, although Cognigy passes its entries newest first.
    expect(inbound[0].indexOf("Customer: Hi there!")).toBeLessThan(inbound[0].indexOf("Customer: My parcel"));
    expect(inbound.slice(1)).toEqual(["It's order 1234.", "Great, thank you!"]);
    expect(c.skillId).toBe(4242);
  });

  test("the case is resolved, the flow resumed once through OnResolved and the handover is completed", () => {
    expect(world.currentCase()!.status).toBe("resolved");
    const resumes = world.endpoint.executions.filter(
      (x) => (x.input.data as { cxone?: { event?: string } })?.cxone?.event === "ended",
    );
    expect(resumes).toHaveLength(1);
    expect(resumes[0].result.nodes.map((n) => n.run.outcome)).toEqual(["cxoneSendToAgentOnResolved"]);
    expect(world.endpoint.session(world.conversation).context.cxoneHandover).toMatchObject({
      active: false,
      status: "completed",
      endReason: "resolved",
    });
  });

  test("nothing lost, nothing doubled: every agent message reached the chat once", () => {
    const outbound = world.currentCase()!.messages.filter((m) => m.direction === "outbound");
    for (const m of outbound) expect(world.endpoint.chat.filter((e) => e.text === m.text)).toHaveLength(1);
    expect(world.endpoint.chat.some((e) => e.from === "system" && /flow error/.test(e.text))).toBe(false);
  });

  test("no secret appears in the chat, the context, the flow executions or the relay's logs", () => {
    expect(log.lines.length).toBeGreaterThan(0);
    expect(secretsSeen(world, log.lines)).toEqual([]);
  });
});

describe("the demo handover under the least helpful reading of everything NiCE leaves open", () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      behaviour: {
        duplicateMessage: "accept",
        abandon: "flags",
        createMessageAnswer: "no-body-204",
        contacts: "minimal",
      },
      legacyPostId: "cxone-thread",
    });
    await playScenario(world);
  }, 60_000);
  afterAll(() => world?.stop());

  test("the chat reads the same, and the agent saw every message once", () => {
    expect(said(world.endpoint.chat)).toEqual(DEMO_CHAT);
    const ids = world
      .currentCase()!
      .messages.filter((m) => m.direction === "inbound")
      .map((m) => m.idOnExternalPlatform);
    expect(new Set(ids).size).toBe(ids.length);
    expect(world.currentCase()!.status).toBe("resolved");
  });
});

describe("the handover survives faults", () => {
  let world: World;

  beforeEach(async () => {
    world = await startWorld();
    await world.user("I need a human agent");
    await world.waitForCase();
    world.assignAgent("1001");
    await world.endpoint.waitFor((e) => /chatting with/.test(e.text), 10_000, "agent joined");
  }, 60_000);
  afterEach(() => world?.stop());

  const inbox = () =>
    world
      .currentCase()!
      .messages.filter((m) => m.direction === "inbound")
      .map((m) => m.text);

  test("CXone rate-limits a user message: it is retried after Retry-After and arrives once", async () => {
    world.sandbox.fault({ method: "POST", path: "/messages", status: 429, headers: { "Retry-After": "1" } });
    await world.user("Are you there?");
    expect(inbox().filter((t) => t === "Are you there?")).toHaveLength(1);
    expect(world.endpoint.chat.at(-1)?.from).toBe("user");
  });

  test("the CXone token is revoked mid-chat: the next message re-authenticates and arrives", async () => {
    world.sandbox.expireTokens();
    await world.user("Still there?");
    expect(inbox()).toContain("Still there?");
  });

  test("Cognigy is down when the agent replies: CXone is told to retry and the user gets it once", async () => {
    world.endpoint.fail(503, 2, "notify");
    const answer = await world.agentSays("Sorry for the wait!");
    expect(answer.status).toBe(200);
    expect(answer.attempts.map((a) => a.status)).toEqual([expect.any(Number), expect.any(Number), 200]);
    expect(answer.attempts[0].status).not.toBe(200);
    expect(world.endpoint.chat.filter((e) => e.text === "Sorry for the wait!")).toHaveLength(1);
  });

  test("the case poll fails for a while: the close still resumes the flow, once", async () => {
    world.sandbox.fault({ method: "GET", path: "/dfo/3.0/contacts", status: 503, times: 6 });
    world.closeCase();
    await world.endpoint.waitFor((e) => /I'm back/.test(e.text), 20_000, "the resume");
    await world.relay.pollOnce();
    expect(world.endpoint.chat.filter((e) => /I'm back/.test(e.text))).toHaveLength(1);
  });

  test("the user cancels: the case is closed and the late close event stays silent", async () => {
    await world.user("cancel");
    expect(world.currentCase()?.status).toBe("closed");
    expect(world.endpoint.chat.at(-1)?.text).toMatch(/cancelled the request/);
    const before = world.endpoint.chat.length;
    await world.relay.pollOnce();
    await world.relay.pollOnce();
    expect(world.endpoint.chat.slice(before).filter((e) => e.from !== "user")).toEqual([]);
  });
});
