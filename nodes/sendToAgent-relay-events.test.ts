// Send to agent reading the relay's events: an agent joins or is transferred, the case ends, stale or malformed events.
import { newSession, next, openHandover, runWith, stateOf, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { handoverNode } from "./handover";
import { sendToAgentNode } from "./sendToAgent";

const env = useNodeEnv();
const gate = (session: Session, extra = {}) => runWith(env, sendToAgentNode, session, {}, extra);

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
