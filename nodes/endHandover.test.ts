import { errorOf, newSession, openHandover, runWith, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { endHandoverNode } from "./endHandover";

const env = useNodeEnv();
const stateOf = (s: Session) =>
  s.context.cxoneHandover as { contactId: string; threadId: string; status: string; active: boolean };

describe("End handover", () => {
  test("a queued case is abandoned, the handover marked cancelled, the goodbye said", async () => {
    const session = await openHandover(env);
    const run = await runWith(env, endHandoverNode, session, { text: "Bye for now" });
    expect(run.outcome).toBe("cxoneEndHandoverOnSuccess");
    expect(stateOf(session)).toMatchObject({ status: "cancelled", active: false, endedAt: expect.any(String) });
    // The flow ended it: the reason is in context, and no inject follows (the relay skips a case it did not end).
    expect(stateOf(session)).toMatchObject({ endReason: "userLeft" });
    expect(session.input.handover).toMatchObject({ status: "cancelled" });
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.status).toBe("closed");
    expect(c.abandon).toBeDefined();
    expect(run.outputs).toEqual([{ text: "Bye for now", data: {} }]);
  });

  test("a case an agent works on is closed; status completed when configured", async () => {
    const session = await openHandover(env);
    env.sandbox.assignAgent(stateOf(session).contactId);
    session.context.cxoneHandover = { ...stateOf(session), status: "active", agent: { id: "1001", name: "Anna" } };
    await runWith(env, endHandoverNode, session, { endStatus: "completed" });
    expect(stateOf(session).status).toBe("completed");
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.status).toBe("closed");
    expect(c.abandon).toBeUndefined();
    expect(env.sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /dfo/3.0/contacts/${stateOf(session).contactId}/status`,
    ]);
  });

  test("idempotent: ending twice, or with no handover, succeeds without a request or a goodbye", async () => {
    const session = await openHandover(env);
    await runWith(env, endHandoverNode, session, { text: "Bye" });
    env.sandbox.resetRequests();
    const again = await runWith(env, endHandoverNode, session, { text: "Bye" });
    expect(again.outcome).toBe("cxoneEndHandoverOnSuccess");
    expect(again.outputs).toEqual([]);
    const none = await runWith(env, endHandoverNode, newSession(), { text: "Bye" });
    expect(none.outcome).toBe("cxoneEndHandoverOnSuccess");
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("a case CXone no longer has (404) counts as ended", async () => {
    const session = await openHandover(env);
    session.context.cxoneHandover = { ...stateOf(session), contactId: "424242" };
    const run = await runWith(env, endHandoverNode, session);
    expect(run.outcome).toBe("cxoneEndHandoverOnSuccess");
    expect(stateOf(session).active).toBe(false);
  });

  test.each([
    ["4xx", { status: 403, times: 5 }, { code: "auth", status: 403 }],
    ["5xx", { status: 500, times: 5 }, { code: "api", status: 500, retryable: true }],
  ])("CXone %s follows OnError and keeps the handover open", async (_name, fault, expected) => {
    const session = await openHandover(env);
    env.sandbox.fault({ path: "/dfo/3.0/contacts/", ...fault });
    const run = await runWith(env, endHandoverNode, session, { text: "Bye" });
    expect(run.outcome).toBe("cxoneEndHandoverOnError");
    expect(errorOf(session)).toMatchObject(expected);
    expect(stateOf(session).active).toBe(true);
    expect(run.outputs).toEqual([]);
  });

  test("timeout follows OnError", async () => {
    const session = await openHandover(env);
    env.sandbox.fault({ path: "/dfo/3.0/contacts/", delayMs: 2500, times: 5 });
    const run = await runWith(env, endHandoverNode, session, {}, { clientOptions: { deadlineMs: 1000 } });
    expect(run.outcome).toBe("cxoneEndHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "timeout" });
  });

  test("bad connection follows OnError", async () => {
    const session = await openHandover(env);
    const run = await runWith(env, endHandoverNode, session, { connection: { channelId: "x" } });
    expect(run.outcome).toBe("cxoneEndHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^clientId/);
  });
});
