// Hand over: which conversations get a case (one at a time, none that agent replies could not reach) and their thread.
import { decodeThreadId, threadKeys } from "../src/handover/thread";
import {
  handoverEntries as entries,
  errorOf,
  stateOf as handoverState,
  newSession,
  runWith,
  useNodeEnv,
} from "../test/support/nodes";
import { SANDBOX_THREAD_KEY } from "../testbed/sandbox/cxone-sandbox";
import { handoverNode } from "./handover";

const env = useNodeEnv();

describe("Hand over to NiCE CXone", () => {
  test("does not open a second handover while one is open", async () => {
    const session = newSession();
    await runWith(env, handoverNode, session);
    const first = handoverState(session);
    env.sandbox.resetRequests();
    session.input.inputId = "another-input";
    const again = await runWith(env, handoverNode, session);
    expect(again.outcome).toBe("cxoneHandoverOnSuccess");
    expect(again.outputs).toEqual([]);
    expect(handoverState(session)).toEqual(first);
    expect(env.sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /dfo/3.0/contacts/${first.contactId}`,
    ]);
  });

  test("a recorded handover whose case is closed in CXone does not block a new one", async () => {
    const session = newSession();
    await runWith(env, handoverNode, session);
    const first = handoverState(session);
    env.sandbox.closeCase(first.contactId);
    session.input.inputId = "next-input";
    await runWith(env, handoverNode, session);
    const second = handoverState(session);
    expect(second.contactId).not.toBe(first.contactId);
    expect(second.threadId).not.toBe(first.threadId);
  });

  test("re-running the same input after the state was lost reuses the thread and duplicates nothing", async () => {
    const session = newSession({ inputId: "input-fixed-1" });
    const opts = { cognigy: { lastConversationEntries: entries } };
    await runWith(env, handoverNode, session, {}, opts);
    const first = handoverState(session);
    session.context = {};
    await runWith(env, handoverNode, session, {}, opts);
    const second = handoverState(session);
    expect(second.threadId).toBe(first.threadId);
    expect(second.contactId).toBe(first.contactId);
    expect(env.sandbox.caseForThread(first.threadId)!.messages).toHaveLength(1);
  });
});

describe("Hand over to NiCE CXone: conversations agent replies could not reach", () => {
  test("an id over Cognigy's 256 characters goes to On error naming it, before any CXone call (no case, no message)", async () => {
    for (const [key, length] of [
      ["userId", 257],
      ["sessionId", 257],
      ["userId", 300],
      ["URLToken", 300],
    ] as const) {
      const session = newSession({ [key]: "x".repeat(length) });
      env.sandbox.resetRequests();
      const cases = env.sandbox.cases.size;
      const run = await runWith(env, handoverNode, session);
      expect(run.outcome).toBe("cxoneHandoverOnError");
      expect(errorOf(session)).toMatchObject({ code: "config" });
      expect(errorOf(session)!.message).toMatch(
        new RegExp(`^${key}: is ${length} characters; Cognigy accepts at most 256`),
      );
      expect(env.sandbox.requests).toHaveLength(0);
      expect(env.sandbox.cases.size).toBe(cases);
      expect(session.context.cxoneHandover).toBeUndefined();
    }
    const ok = await runWith(env, handoverNode, newSession({ sessionId: "s".repeat(256), userId: "u".repeat(256) }));
    expect(ok.outcome).toBe("cxoneHandoverOnSuccess");
  });

  test("ids that each fit but together overflow the thread id go to On error naming the longest, no CXone call", async () => {
    const session = newSession({ userId: "u".repeat(250), sessionId: "s".repeat(256), URLToken: "t".repeat(240) });
    env.sandbox.resetRequests();
    const run = await runWith(env, handoverNode, session);
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^sessionId: is 256 characters: with .*over the 1024 CXone takes/);
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("an endpoint without Notify/Inject (REST, Alexa, Teams…) goes to On error with the reason, no case", async () => {
    for (const endpointType of ["rest", "alexa", "microsoftTeams", "twilio"]) {
      const session = newSession({ endpointType });
      env.sandbox.resetRequests();
      const run = await runWith(env, handoverNode, session);
      expect(run.outcome).toBe("cxoneHandoverOnError");
      expect(errorOf(session)!.message).toMatch(new RegExp(`^endpointType: the ${endpointType} endpoint does not`));
      expect(session.input.handover).toMatchObject({ status: "error", error: { reason: "unsupported" } });
      expect(env.sandbox.requests).toHaveLength(0);
    }
  });

  test("a socket endpoint's thread says it takes data events; WhatsApp warns about session expiry", async () => {
    const socket = newSession({ endpointType: "socket" });
    await runWith(env, handoverNode, socket);
    expect(decodeThreadId(handoverState(socket).threadId, threadKeys([SANDBOX_THREAD_KEY]))!.takesDataEvents).toBe(
      true,
    );
    const whatsapp = newSession({ endpointType: "whatsapp" });
    const run = await runWith(env, handoverNode, whatsapp);
    expect(decodeThreadId(handoverState(whatsapp).threadId, threadKeys([SANDBOX_THREAD_KEY]))!.takesDataEvents).toBe(
      false,
    );
    expect(run.logs.some((l) => /whatsapp sessions expire/.test(l.text))).toBe(true);
  });

  test("a data-only input opens the case with the generic request, never Cognigy's DATA_ONLY_MESSAGE_ text", async () => {
    const session = newSession({ text: "DATA_ONLY_MESSAGE_a1b2c3d4e5f6g7h8i9j0", data: { button: "agent" } });
    await runWith(env, handoverNode, session, { sendTranscript: false });
    const [m] = env.sandbox.caseForThread(handoverState(session).threadId)!.messages;
    expect(m.text).toContain("The customer asked for an agent.");
    expect(m.text).not.toContain("DATA_ONLY");
  });
});
