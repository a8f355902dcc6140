// Hand over: the error branch for bad settings and CXone failures, and the node's time budget.
import {
  handoverEntries as entries,
  errorOf,
  stateOf as handoverState,
  newSession,
  runWith,
  useNodeEnv,
} from "../test/support/nodes";
import { handoverNode } from "./handover";

const env = useNodeEnv();

describe("Hand over to NiCE CXone: error branches", () => {
  test("a bad connection names the field and calls nobody", async () => {
    const session = newSession();
    const run = await runWith(env, handoverNode, session, {
      connection: { ...env.sandbox.connection(), clientSecret: "" },
    });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "config", node: "cxoneHandover" });
    expect(errorOf(session)!.message).toMatch(/^clientSecret/);
    expect(env.sandbox.requests).toHaveLength(0);
    expect(session.context.cxoneHandover).toBeUndefined();
  });

  test("malformed routing hints are a config error before any request", async () => {
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { skillId: "sales" });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^skillId/);
    const run2 = await runWith(env, handoverNode, session, { customFields: [{ value: "x" }] });
    expect(run2.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^customFields/);
    expect(env.sandbox.requestCount({ path: "/messages" })).toBe(0);
  });

  test("an input without URL token cannot be routed back and fails clearly", async () => {
    const session = newSession({ URLToken: undefined });
    const run = await runWith(env, handoverNode, session);
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^URLToken/);
  });

  test("CXone refusing the case (4xx) follows OnError with the status", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", status: 400, times: 5 });
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { sendTranscript: false });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "api", status: 400, retryable: false });
    expect(session.context.cxoneHandover).toBeUndefined();
    expect(run.outputs).toEqual([]);
  });

  test("CXone failing (5xx) after the retries follows OnError, retryable", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", status: 503, times: 10 });
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { sendTranscript: false });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "api", status: 503, retryable: true });
    // Every resend came after a look that found the message had not landed.
    expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(3);
    expect(env.sandbox.requestCount({ method: "GET", path: "/dfo/3.0/messages" })).toBe(3);
  });

  test("a transcript that stalls leaves time for the opening message: the handover still opens", async () => {
    // Only the first message (the transcript) hangs past the whole budget; the opening message is answered at once.
    env.sandbox.fault({ method: "POST", path: "/messages", delayMs: 4000, times: 1 });
    const session = newSession({ text: "agent please" });
    const run = await runWith(
      env,
      handoverNode,
      session,
      {},
      { cognigy: { lastConversationEntries: entries }, clientOptions: { deadlineMs: 3000 } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(run.logs.some((l) => l.level === "warn" && /transcript message 1\/1 failed/.test(l.text))).toBe(true);
    const state = handoverState(session);
    expect(state.contactId).toBeDefined();
    const ids = env.sandbox.caseForThread(state.threadId)!.messages.map((m) => m.idOnExternalPlatform);
    expect(ids).toContain(`${state.handoverId}:open`);
  });

  test("CXone too slow for the node's budget follows OnError as a timeout", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", delayMs: 2500, times: 5 });
    const session = newSession();
    const run = await runWith(
      env,
      handoverNode,
      session,
      { sendTranscript: false },
      { clientOptions: { deadlineMs: 1000 } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "timeout", retryable: true });
  });
});
