import { calls, type Env, errorOf, newSession, runWith, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { handoverNode } from "./handover";
import { sendToAgentNode } from "./sendToAgent";

const env = useNodeEnv();

type State = { contactId: string; threadId: string; handoverId: string; status: string; active: boolean; sent: number };
const stateOf = (s: Session) => s.context.cxoneHandover as State & Record<string, unknown>;

async function openHandover(e: Env, config: Record<string, unknown> = {}): Promise<Session> {
  const session = newSession({ text: "agent" });
  await runWith(e, handoverNode, session, { sendTranscript: false, ...config });
  e.sandbox.resetRequests();
  return session;
}

/** The next user input in the same session, as Cognigy would hand it over. */
function next(session: Session, input: Record<string, unknown>): Session {
  session.input = { ...session.input, data: {}, inputId: `in-${Math.random().toString(36).slice(2)}`, ...input };
  delete session.input.cxone;
  return session;
}

const gate = (session: Session, extra = {}) => runWith(env, sendToAgentNode, session, {}, extra);

describe("Send to agent: the gate", () => {
  test("with no handover it follows OnNoHandover without calling CXone", async () => {
    const session = newSession({ text: "what are your opening hours?" });
    const run = await gate(session);
    expect(run.outcome).toBe("cxoneSendToAgentOnNoHandover");
    expect(run.calls.length).toBeLessThanOrEqual(2);
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("forwards user messages to the agent in order, with attachments", async () => {
    const session = await openHandover(env);
    for (const text of ["first", "second", "third"]) {
      const run = await gate(next(session, { text }));
      expect(run.outcome).toBe("cxoneSendToAgentOnSuccess");
    }
    await gate(
      next(session, {
        text: "",
        data: { attachments: [{ url: "https://files.example/receipt.pdf", name: "receipt.pdf" }] },
      }),
    );
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.messages.map((m) => m.text)).toEqual([
      expect.stringContaining("agent"),
      "first",
      "second",
      "third",
      "receipt.pdf",
    ]);
    expect(c.messages[4].attachments).toEqual([
      { url: "https://files.example/receipt.pdf", friendlyName: "receipt.pdf" },
    ]);
    expect(stateOf(session).sent).toBe(5);
  });

  test("re-running the same input (same input id) does not send it twice", async () => {
    const session = await openHandover(env);
    next(session, { text: "only once", inputId: "fixed-input-7" });
    await gate(session);
    const run = await gate(session);
    expect(run.outcome).toBe("cxoneSendToAgentOnSuccess");
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.messages.filter((m) => m.text === "only once")).toHaveLength(1);
    expect(c.messages[1].idOnExternalPlatform).toMatch(new RegExp(`^${stateOf(session).handoverId}:u:`));
  });

  test("without an input id the message id still depends only on thread, position and text", async () => {
    const session = await openHandover(env);
    next(session, { text: "no id" });
    delete session.input.inputId;
    const saved = structuredClone(session.context);
    await gate(session);
    session.context = saved; // the platform re-runs the input with the context it had before
    await gate(session);
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    expect(c.messages.filter((m) => m.text === "no id")).toHaveLength(1);
    // The re-run still counts the message, so the same text typed again later is a new message, not a duplicate.
    next(session, { text: "no id" });
    delete session.input.inputId;
    await gate(session);
    expect(c.messages.filter((m) => m.text === "no id")).toHaveLength(2);
  });
});

describe("Send to agent: data-only inputs", () => {
  test("Cognigy's implicit DATA_ONLY_MESSAGE_ text is never forwarded to the agent", async () => {
    const session = await openHandover(env);
    const run = await gate(next(session, { text: "DATA_ONLY_MESSAGE_a1b2c3d4e5f6g7h8i9j0", data: { widget: 1 } }));
    expect(run.outcome).toBe("cxoneSendToAgentOnSuccess");
    expect(env.sandbox.requests).toHaveLength(0);
    expect(env.sandbox.caseForThread(stateOf(session).threadId)!.messages).toHaveLength(1);
  });
});

describe("Send to agent: relay events", () => {
  test("agentJoined for the active case marks the handover active and writes Cognigy's handover status", async () => {
    const session = await openHandover(env);
    const { contactId } = stateOf(session);
    const agent = { id: "1001", name: "Anna", avatarUrl: "https://example.invalid/anna.png" };
    const run = await gate(next(session, { text: "", data: { cxone: { event: "agentJoined", contactId, agent } } }));
    expect(run.outcome).toBe("cxoneSendToAgentOnSuccess");
    expect(run.outputs).toEqual([]);
    expect(stateOf(session)).toMatchObject({ status: "active", active: true, agent });
    expect(session.input.handover).toEqual({ status: "active", data: { contactId, agent } });
    expect(env.sandbox.requests).toHaveLength(0);
    expect(env.sandbox.caseForThread(stateOf(session).threadId)!.messages).toHaveLength(1);
  });

  test("with agent details on, Webchat gets the joined chip and the agent's picture; a repeat says nothing", async () => {
    const session = await openHandover(env, { displayAgentDetails: true, joinedText: "Sie chatten jetzt mit {name}" });
    const { contactId } = stateOf(session);
    const agent = { id: "1001", name: "Anna", avatarUrl: "https://example.invalid/anna.png" };
    const joined = { text: "", data: { cxone: { event: "agentJoined", contactId, agent } } };
    const run = await gate(next(session, joined));
    expect(run.outputs).toEqual([
      {
        text: "Sie chatten jetzt mit Anna",
        data: {
          _cognigy: { _webchat3: { type: "liveAgentEvent", payload: { text: "Sie chatten jetzt mit Anna" } } },
          _webchat: { botAvatarOverrideUrl: agent.avatarUrl },
          cxone: { event: "agentDetails", contactId, agent },
        },
      },
    ]);
    expect((await gate(next(session, joined))).outputs).toEqual([]);
    // Hand-back puts the bot's picture back.
    const resolved = await gate(next(session, { data: { cxone: { event: "resolved", contactId } } }));
    expect(resolved.outputs).toEqual([{ text: "", data: { _webchat: { botAvatarOverrideUrl: "" } } }]);
  });

  test("the agent's name fills {name} as written: no replacement patterns", async () => {
    const session = await openHandover(env, { displayAgentDetails: true, joinedText: "With {name} now ({name})" });
    const { contactId } = stateOf(session);
    const agent = { id: "9", name: "$& $1 Co" };
    const run = await gate(next(session, { data: { cxone: { event: "agentJoined", contactId, agent } } }));
    expect(run.outputs[0].text).toBe("With $& $1 Co now ($& $1 Co)");
  });

  test("on a messaging channel the notice is plain text and nothing empty is ever output", async () => {
    const session = newSession({ text: "agent", endpointType: "whatsapp" });
    await runWith(env, handoverNode, session, { sendTranscript: false, displayAgentDetails: true });
    const { contactId } = stateOf(session);
    const agent = { id: "7", name: "Bo" };
    const run = await gate(next(session, { data: { cxone: { event: "agentJoined", contactId, agent } } }));
    expect(run.outputs).toEqual([
      { text: "You are now chatting with Bo", data: { cxone: { event: "agentDetails", contactId, agent } } },
    ]);
    const resolved = await gate(next(session, { data: { cxone: { event: "resolved", contactId } } }));
    expect(resolved.outputs).toEqual([]);
    expect(session.input.handover).toMatchObject({ status: "completed", data: { contactId, reason: "resolved" } });
  });

  test("resolved for the active case ends the handover and follows OnResolved; the next input is the bot's", async () => {
    const session = await openHandover(env);
    const { contactId } = stateOf(session);
    const run = await gate(next(session, { data: { cxone: { event: "resolved", contactId } } }));
    expect(run.outcome).toBe("cxoneSendToAgentOnResolved");
    expect(stateOf(session)).toMatchObject({ status: "completed", active: false, endedAt: expect.any(String) });
    expect(run.outputs).toEqual([]);
    const after = await gate(next(session, { text: "thanks" }));
    expect(after.outcome).toBe("cxoneSendToAgentOnNoHandover");
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("an event for a case that is not the active handover is absorbed: execution stops, nothing said or sent", async () => {
    const session = await openHandover(env);
    const before = structuredClone(stateOf(session));
    const run = await gate(next(session, { data: { cxone: { event: "resolved", contactId: "99999" } } }));
    expect(run.stopped).toBe(true);
    expect(run.outcome).toBeUndefined();
    expect(run.outputs).toEqual([]);
    expect(stateOf(session)).toEqual(before);
    expect(run.logs.some((l) => l.level === "info" && /ignored relay event "resolved"/.test(l.text))).toBe(true);
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("without api.stopExecution a stale event follows OnSuccess (nothing forwarded); also with no handover", async () => {
    const stale = { event: "agentJoined", contactId: "123", agent: { id: "1001", name: "X" } };
    const session = newSession({ data: { cxone: stale } });
    const run = await gate(session, { omitApi: ["stopExecution"] });
    expect(run.outcome).toBe("cxoneSendToAgentOnSuccess");
    expect(run.outputs).toEqual([]);
    expect(session.context.cxoneHandover).toBeUndefined();
    expect(env.sandbox.requests).toHaveLength(0);
  });
});

describe("Send to agent: events read by the one event schema (src/handover/events.ts)", () => {
  test("an event name a newer relay added is absorbed with a log line; the handover is untouched", async () => {
    const session = await openHandover(env);
    const before = structuredClone(stateOf(session));
    const { contactId } = before;
    const run = await gate(next(session, { data: { cxone: { event: "agentWaved", contactId } } }));
    expect(run.stopped).toBe(true);
    expect(run.outputs).toEqual([]);
    expect(stateOf(session)).toEqual(before);
    expect(run.logs.some((l) => l.level === "info" && /ignored relay event "agentWaved"/.test(l.text))).toBe(true);
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test.each([
    ["agentJoined without its agent", { event: "agentJoined" }, /"agentJoined" \(agent: Required\)/],
    ["agentJoined with an empty name", { event: "agentJoined", agent: { id: "7", name: " " } }, /agent\.name/],
    ["agentJoined with an empty agent id", { event: "agentJoined", agent: { id: "", name: "Eve" } }, /agent\.id/],
    [
      "agentJoined with a javascript: picture",
      { event: "agentJoined", agent: { id: "7", name: "Eve", avatarUrl: "javascript:alert(1)" } },
      /agent\.avatarUrl: must be an http\(s\) URL/,
    ],
    ["ended without a reason", { event: "ended" }, /"ended" \(reason: /],
  ])(
    "a known event with a malformed payload (%s) is logged and absorbed, never forwarded",
    async (_, cxone, problem) => {
      const session = await openHandover(env, { endedText: "Bye." });
      const before = structuredClone(stateOf(session));
      const run = await gate(next(session, { data: { cxone: { ...cxone, contactId: before.contactId } } }));
      expect(run.stopped).toBe(true);
      expect(run.outputs).toEqual([]);
      expect(stateOf(session)).toEqual(before);
      const warning = run.logs.find((l) => l.level === "warn" && /malformed relay event/.test(l.text));
      expect(warning?.text).toMatch(problem);
      expect(env.sandbox.requests).toHaveLength(0);
    },
  );

  test("an end reason a newer relay added ends the handover on Handover ended (read as closedInCxone)", async () => {
    const session = await openHandover(env);
    const { contactId } = stateOf(session);
    const run = await gate(next(session, { data: { cxone: { event: "ended", reason: "agentVanished", contactId } } }));
    expect(run.outcome).toBe("cxoneSendToAgentOnEnded");
    expect(stateOf(session)).toMatchObject({ status: "completed", endReason: "closedInCxone" });
  });
});

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

describe("Send to agent: error branches", () => {
  test("bad connection", async () => {
    const session = await openHandover(env);
    const run = await runWith(env, sendToAgentNode, next(session, { text: "hi" }), {
      connection: { ...env.sandbox.connection(), authHost: "http://cxone.example.com" },
    });
    expect(run.outcome).toBe("cxoneSendToAgentOnError");
    expect(errorOf(session)!.message).toMatch(/^authHost: must start with https/);
  });

  test("CXone 4xx on the message", async () => {
    const session = await openHandover(env);
    env.sandbox.fault({ method: "POST", path: "/messages", status: 404, times: 3 });
    const run = await gate(next(session, { text: "hello?" }));
    expect(run.outcome).toBe("cxoneSendToAgentOnError");
    expect(errorOf(session)).toMatchObject({ code: "api", status: 404, node: "cxoneSendToAgent" });
    expect(stateOf(session).sent).toBe(1);
  });

  test("CXone 5xx after the retries", async () => {
    const session = await openHandover(env);
    env.sandbox.fault({ method: "POST", path: "/messages", status: 502, times: 10 });
    const run = await gate(next(session, { text: "hello?" }));
    expect(run.outcome).toBe("cxoneSendToAgentOnError");
    expect(errorOf(session)).toMatchObject({ status: 502, retryable: true });
  });
});

describe("Send to agent: the gate keeps the bot working", () => {
  test("with no handover open, a broken connection still follows OnNoHandover and calls nobody", async () => {
    const session = newSession();
    env.sandbox.resetRequests();
    const run = await runWith(env, sendToAgentNode, session, { connection: { channelId: "" } });
    expect(run.outcome).toBe("cxoneSendToAgentOnNoHandover");
    expect(env.sandbox.requests).toEqual([]);
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

describe("Send to agent: transfers and back to the queue", () => {
  const joined = (contactId: string, id: string, name: string) => ({
    data: { cxone: { event: "agentJoined", contactId, agent: { id, name } } },
  });

  test("a second agent is announced once; the case back in the queue is told once", async () => {
    const session = await openHandover(env, { displayAgentDetails: true });
    const { contactId } = stateOf(session);
    const said: string[] = [];
    for (const input of [
      joined(contactId, "1001", "Anna"),
      joined(contactId, "1002", "Ben"),
      joined(contactId, "1002", "Ben"),
      { data: { cxone: { event: "requeued", contactId } } },
    ]) {
      said.push(...(await gate(next(session, input))).outputs.map((o) => String(o.text)));
    }
    expect(said).toEqual([
      "You are now chatting with Anna",
      "You are now chatting with Ben",
      "You are waiting for an agent again.",
    ]);
    expect(stateOf(session)).toMatchObject({ status: "queue", active: true });
    expect(stateOf(session).agent).toBeUndefined();
    expect(session.input.handover).toMatchObject({ status: "queue" });
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
