// Hand over: the transcript that opens the case (masked, split, shortened) and what happens when it cannot be sent.
import { decodeThreadId, threadKeys } from "../src/handover/thread";
import {
  handoverEntries as entries,
  stateOf as handoverState,
  newSession,
  runWith,
  useNodeEnv,
} from "../test/support/nodes";
import { useSandbox } from "../test/support/sandbox";
import { SANDBOX_THREAD_KEY } from "../testbed/sandbox/cxone-sandbox";
import { handoverNode } from "./handover";

const env = useNodeEnv();

describe("Hand over to NiCE CXone", () => {
  test("opens a case with the transcript first, routing hints on it, remembers it and says the accepted message", async () => {
    const session = newSession({ text: "agent please" });
    const run = await runWith(
      env,
      handoverNode,
      session,
      { skillId: "4321", customFields: { tier: "gold" }, displayAgentDetails: true, cancelKeywords: ["stop"] },
      { cognigy: { lastConversationEntries: entries } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(run.outputs).toEqual([{ text: "Connecting you with an agent…", data: {} }]);

    const state = handoverState(session);
    expect(state).toMatchObject({ active: true, status: "queue", sent: 1, displayAgentDetails: true });
    expect(state.cancelKeywords).toEqual(["stop"]);
    expect(decodeThreadId(state.threadId, threadKeys([SANDBOX_THREAD_KEY]))).toEqual({
      userId: "user-42",
      sessionId: "session-42",
      urlToken: session.input.URLToken,
      handoverId: state.handoverId,
      displayAgentDetails: true,
      flowAnnouncesAgent: true,
      takesDataEvents: false,
    });
    const c = env.sandbox.caseForThread(state.threadId)!;
    expect(c.id).toBe(state.contactId);
    expect(c.skillId).toBe(4321);
    expect(c.customFields).toEqual([{ ident: "tier", value: "gold" }]);
    expect(c.messages).toHaveLength(1);
    const [transcript] = c.messages;
    expect(transcript.idOnExternalPlatform).toBe(`${state.handoverId}:t:0`);
    expect(transcript.text).toContain("Customer: Jane Doe <jane.doe@example.com>");
    expect(transcript.text).toContain("Customer: Hi, my card [card number] was charged twice");
    expect(transcript.text).toContain("Customer: [email], or call [phone]");
    expect(transcript.text).not.toContain("4111");
    // Oldest first for the agent, although Cognigy passed the entries newest first.
    expect(transcript.text.indexOf("charged twice")).toBeLessThan(transcript.text.indexOf("I will connect you"));
    expect(session.input.handover).toEqual({ status: "queue", data: { contactId: state.contactId } });
    expect(transcript.author).toMatchObject({ idOnExternalPlatform: "user-42", firstName: "Jane", lastName: "Doe" });
  });

  test("a long transcript goes as few messages as possible, cut between turns, in order", async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      source: i % 2 ? "bot" : "user",
      text: `turn ${i} ${"x".repeat(80)}`,
    }));
    const session = newSession();
    await runWith(
      env,
      handoverNode,
      session,
      { transcriptMaxChars: 1000 },
      { cognigy: { lastConversationEntries: [...many].reverse() } },
    );
    const state = handoverState(session);
    const messages = env.sandbox.caseForThread(state.threadId)!.messages;
    expect(messages.length).toBe(5);
    expect(messages.map((m) => m.idOnExternalPlatform)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${state.handoverId}:t:${i}`),
    );
    const turns = messages.flatMap((m) => m.text.split("\n").filter((l) => /^(Customer|Bot): turn /.test(l)));
    expect(turns.map((t) => Number(/turn (\d+)/.exec(t)![1]))).toEqual(many.map((_, i) => i));
    for (const m of messages) expect(m.text.length).toBeLessThanOrEqual(1000);
    expect(messages[0].text).toContain("(part 1/5)");
  });

  test("shortened, the transcript keeps the newest turns (the request for an agent) and says how many were left out", async () => {
    // Cognigy's order: index 0 is the current input, the request for an agent.
    const newestFirst = Array.from({ length: 60 }, (_, i) => ({
      source: i % 2 ? "bot" : "user",
      text: i === 0 ? "please, a human agent" : `turn ${59 - i} ${"x".repeat(80)}`,
    }));
    const session = newSession({ text: "please, a human agent" });
    await runWith(
      env,
      handoverNode,
      session,
      { transcriptMaxChars: 1000, transcriptMaxMessages: 2, redactPii: false },
      { cognigy: { lastConversationEntries: newestFirst } },
    );
    const messages = env.sandbox.caseForThread(handoverState(session).threadId)!.messages.map((m) => m.text);
    expect(messages).toHaveLength(2);
    expect(messages[1].endsWith("Customer: please, a human agent")).toBe(true);
    expect(messages[0]).toMatch(/\[\d+ earlier turns left out\]/);
    expect(messages.join("\n")).not.toContain("turn 0 ");
  });

  test("reads the Get Transcript node's output when the platform gives no entries; masking can be turned off", async () => {
    const session = newSession();
    session.context.transcript = [
      { role: "user", type: "input", payload: { text: "mail me at a@b.io" } },
      { role: "assistant", type: "output", payload: { text: "Sure" } },
    ];
    await runWith(env, handoverNode, session, { redactPii: false });
    const text = env.sandbox.caseForThread(handoverState(session).threadId)!.messages[0].text;
    expect(text).toContain("Customer: mail me at a@b.io\nBot: Sure");
  });

  test("without a transcript the case opens with the user's request", async () => {
    const session = newSession({ text: "I want a human" });
    await runWith(env, handoverNode, session, { sendTranscript: false, text: "" });
    const state = handoverState(session);
    const [m] = env.sandbox.caseForThread(state.threadId)!.messages;
    expect(m.idOnExternalPlatform).toBe(`${state.handoverId}:open`);
    expect(m.text).toContain('The customer asked for an agent: "I want a human"');
  });

  test("a failed transcript never blocks the handover: the opening message carries the routing hints", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", status: 400 });
    const session = newSession({ text: "help" });
    const run = await runWith(
      env,
      handoverNode,
      session,
      { skillId: "77" },
      { cognigy: { lastConversationEntries: entries } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(run.logs.some((l) => l.level === "warn" && /transcript message 1\/1 failed/.test(l.text))).toBe(true);
    const c = env.sandbox.caseForThread(handoverState(session).threadId)!;
    expect(c.messages.map((m) => m.idOnExternalPlatform)).toEqual([`${handoverState(session).handoverId}:open`]);
    expect(c.skillId).toBe(77);
  });
});

describe("Hand over to NiCE CXone: transcript longer than CXone accepts", () => {
  const small = useSandbox({ maxTextLength: 800 });
  test("CXone rejects the oversized transcript; the case still opens with the short message", async () => {
    const session = newSession({ text: "agent" });
    const long = Array.from({ length: 30 }, (_, i) => ({ source: "user", text: `message ${i} ${"y".repeat(60)}` }));
    const run = await runNode2(small, session, long);
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    const state = handoverState(session);
    const c = small.sandbox.caseForThread(state.threadId)!;
    expect(c.messages.map((m) => m.idOnExternalPlatform)).toEqual([`${state.handoverId}:open`]);
  });
});

async function runNode2(ref: ReturnType<typeof useSandbox>, session: ReturnType<typeof newSession>, list: unknown[]) {
  return runWith(
    ref as never,
    handoverNode,
    session,
    { connection: ref.sandbox.connection(), transcriptMaxChars: 5000 },
    {
      cognigy: { lastConversationEntries: list },
    },
  );
}
