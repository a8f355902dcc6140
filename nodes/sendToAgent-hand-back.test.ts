// Send to agent handing the conversation back to the bot: cancels, one hand-back per end reason, older settings.
import { calls, newSession, next, openHandover, runWith, stateOf, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { handoverNode } from "./handover";
import { sendToAgentNode } from "./sendToAgent";

const env = useNodeEnv();
const gate = (session: Session, extra = {}) => runWith(env, sendToAgentNode, session, {}, extra);

describe("Send to agent: cancel", () => {
  test("a cancel keyword while queued abandons the case and follows OnCancelled", async () => {
    const session = await openHandover(env, { cancelKeywords: ["cancel", "Stop it"] });
    const run = await gate(next(session, { text: "  stop IT " }));
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
    expect(stateOf(session)).toMatchObject({ status: "cancelled", active: false });
    expect(session.input.handover).toMatchObject({ status: "cancelled" });
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.status).toBe("closed");
    expect(c.abandon?.type).toBe("abandon");
    expect(c.messages.map((m) => m.text)).not.toContain("  stop IT ");
  });

  test("the cancel intent with an agent on the case closes it", async () => {
    const session = await openHandover(env, { cancelIntent: "cancelHandover" });
    env.sandbox.assignAgent(stateOf(session).contactId);
    const { contactId } = stateOf(session);
    const joined = { event: "agentJoined", contactId, agent: { id: "1001", name: "Anna" } };
    await gate(next(session, { data: { cxone: joined } }));
    expect(stateOf(session).status).toBe("active");
    const run = await gate(next(session, { text: "forget it", intent: "cancelHandover" }));
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.status).toBe("closed");
    expect(c.abandon).toBeUndefined();
    expect(calls(run, "addToContext").some((call) => call.args[0] === "cxoneHandover")).toBe(true);
  });

  test("queued but already assigned (missed agentJoined): abandon is refused, the case is closed instead", async () => {
    const session = await openHandover(env, { cancelKeywords: ["cancel"] });
    env.sandbox.assignAgent(stateOf(session).contactId);
    const run = await gate(next(session, { text: "cancel" }));
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
    expect(env.sandbox.caseForThread(stateOf(session).threadId)!.status).toBe("closed");
  });
});

describe("Send to agent: one hand-back per handover, branched on its reason", () => {
  const ended = (contactId: string, reason: string, extra = {}) => ({
    data: { cxone: { event: "ended", reason, contactId, ...extra } },
  });

  test.each([
    ["resolved", "cxoneSendToAgentOnResolved", "Glad we could help."],
    ["closed", "cxoneSendToAgentOnEnded", "The chat has ended."],
    ["closedInCxone", "cxoneSendToAgentOnEnded", "The chat has ended."],
    ["caseGone", "cxoneSendToAgentOnEnded", "The chat has ended."],
    ["inactivity", "cxoneSendToAgentOnEnded", "The chat has ended."],
    ["queueTooLong", "cxoneSendToAgentOnEnded", "The chat has ended."],
  ])("ended (%s) follows %s, says its message once and records the reason", async (reason, outcome, message) => {
    const session = await openHandover(env, { resolvedText: "Glad we could help.", endedText: "The chat has ended." });
    const { contactId } = stateOf(session);
    const caseFields = { disposition: "refund" };
    const run = await gate(next(session, ended(contactId, reason, { caseFields })));
    expect(run.outcome).toBe(outcome);
    expect(run.outputs.map((o) => o.text)).toEqual([message]);
    expect(stateOf(session)).toMatchObject({ status: "completed", active: false, endReason: reason });
    expect(session.input.handover).toMatchObject({
      status: "completed",
      data: { contactId, reason, cxone: { caseFields } },
    });
    // A repeat (a relay retry that was delivered after all) is absorbed: nothing said twice.
    const again = await gate(next(session, ended(contactId, reason)));
    expect(again.stopped).toBe(true);
    expect(again.outputs).toEqual([]);
  });

  test("a node placed before Handover ended existed follows its Agent resolved branch for the other reasons", async () => {
    const session = await openHandover(env);
    const { contactId } = stateOf(session);
    const children = ["OnSuccess", "OnNoHandover", "OnResolved", "OnCancelled", "OnError"].map(
      (s) => `cxoneSendToAgent${s}`,
    );
    const run = await gate(next(session, ended(contactId, "closedInCxone")), { children });
    expect(run.outcome).toBe("cxoneSendToAgentOnResolved");
  });

  test("Send Resolve Event off: the handover ends and its message is said, but the flow does not run", async () => {
    const session = await openHandover(env, { sendResolveEvent: false, resolvedText: "Bye." });
    const run = await gate(next(session, ended(stateOf(session).contactId, "resolved")));
    expect(run.stopped).toBe(true);
    expect(run.outputs.map((o) => o.text)).toEqual(["Bye."]);
    expect(stateOf(session)).toMatchObject({ status: "completed", endReason: "resolved" });
  });

  test("a cancel says the Cancelled message once and records userCancelled; nothing is injected", async () => {
    const session = await openHandover(env, { cancelKeywords: ["stop"], cancelledText: "Okay, cancelled." });
    const run = await gate(next(session, { text: "stop" }));
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
    expect(run.outputs.map((o) => o.text)).toEqual(["Okay, cancelled."]);
    expect(stateOf(session)).toMatchObject({ status: "cancelled", endReason: "userCancelled" });
  });

  test("Cancel Button Text: a quick reply under the accepted message; tapping it cancels", async () => {
    const session = newSession({ text: "agent", endpointType: "webchat3" });
    const open = await runWith(env, handoverNode, session, { sendTranscript: false, quickReply: "Cancel chat" });
    expect(open.outputs[0].data).toMatchObject({
      _cognigy: { _webchat: { message: { quick_replies: [{ title: "Cancel chat", payload: "Cancel chat" }] } } },
    });
    const run = await gate(next(session, { text: "Cancel chat" }));
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
  });

  test("Repeat Handover Accepted Message: said again while queued, not once an agent joined", async () => {
    const session = await openHandover(env, { repeatHandoverMessage: true, text: "Please hold on." });
    const queued = await gate(next(session, { text: "hello?" }));
    expect(queued.outputs.map((o) => o.text)).toEqual(["Please hold on."]);
    const { contactId } = stateOf(session);
    await gate(
      next(session, { data: { cxone: { event: "agentJoined", contactId, agent: { id: "1", name: "Ben" } } } }),
    );
    const active = await gate(next(session, { text: "hi Ben" }));
    expect(active.outputs).toEqual([]);
  });
});

describe("Send to agent: handovers and nodes saved by an older version", () => {
  test("a handover without the new settings: every event runs the flow, the default back-in-queue notice", async () => {
    const session = await openHandover(env);
    const state = stateOf(session);
    delete state.say;
    delete state.events;
    const { contactId } = state;
    const joined = await gate(
      next(session, { data: { cxone: { event: "agentJoined", contactId, agent: { id: "7", name: "Ben" } } } }),
    );
    expect(joined.outcome).toBe("cxoneSendToAgentOnSuccess");
    const requeued = await gate(next(session, { data: { cxone: { event: "requeued", contactId } } }));
    expect(requeued.outcome).toBe("cxoneSendToAgentOnSuccess");
    expect(requeued.outputs.map((o) => o.text)).toEqual(["You are waiting for an agent again."]);
    const ended = await gate(next(session, { data: { cxone: { event: "ended", reason: "closed", contactId } } }));
    expect(ended.outcome).toBe("cxoneSendToAgentOnEnded");
    expect(ended.outputs).toEqual([]);
  });

  test("Send Active Event off (a new node's default): the agent is announced, the flow does not run", async () => {
    const session = await openHandover(env, { displayAgentDetails: true, sendOnActiveEvent: false });
    const { contactId } = stateOf(session);
    const run = await gate(
      next(session, { data: { cxone: { event: "agentJoined", contactId, agent: { id: "7", name: "Ben" } } } }),
    );
    expect(run.stopped).toBe(true);
    expect(run.outputs.map((o) => o.text)).toEqual(["You are now chatting with Ben"]);
    expect(stateOf(session)).toMatchObject({ status: "active" });
  });
});
