import { errorOf, newSession, openHandover, runWith, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { agentDetailsNode } from "./agentDetails";

const env = useNodeEnv();
const stateOf = (s: Session) => s.context.cxoneHandover as { contactId: string; status: string; agent?: unknown };

describe("Agent details", () => {
  test("reads the assigned agent, stores it in input and in the handover, says who it is with the avatar", async () => {
    const session = await openHandover(env);
    env.sandbox.assignAgent(stateOf(session).contactId, "1001");
    const run = await runWith(env, agentDetailsNode, session, { say: true });
    expect(run.outcome).toBe("cxoneAgentDetailsOnSuccess");
    expect(session.input.cxoneAgent).toMatchObject({
      id: "1001",
      name: "Anna",
      firstName: "Anna",
      surname: "Smith",
      avatarUrl: "https://example.invalid/anna.png",
      contactId: stateOf(session).contactId,
      caseStatus: "open",
    });
    expect(stateOf(session)).toMatchObject({ status: "active", agent: { id: "1001", name: "Anna" } });
    expect(run.outputs).toEqual([
      {
        text: "You are now chatting with Anna",
        data: {
          // Webchat draws a say as the bot's: the event chip and the picture hook make it the agent's.
          _cognigy: { _webchat3: { type: "liveAgentEvent", payload: { text: "You are now chatting with Anna" } } },
          _webchat: { botAvatarOverrideUrl: "https://example.invalid/anna.png" },
          cxoneAgent: { name: "Anna", avatarUrl: "https://example.invalid/anna.png" },
        },
      },
    ]);
    expect(env.sandbox.requests.map((r) => r.path)).toEqual([`/dfo/3.0/contacts/${stateOf(session).contactId}`]);
  });

  test("a picture that is not http(s) is neither stored nor put on Webchat's avatar override", async () => {
    const session = await openHandover(env);
    const c = env.sandbox.assignAgent(stateOf(session).contactId, "1001");
    c.inboxAssigneeUser = { ...c.inboxAssigneeUser!, imageUrl: "javascript:alert(1)" };
    const run = await runWith(env, agentDetailsNode, session, { say: true });
    expect(run.outcome).toBe("cxoneAgentDetailsOnSuccess");
    expect(session.input.cxoneAgent).not.toHaveProperty("avatarUrl", expect.anything());
    expect(run.outputs).toHaveLength(1);
    expect(run.outputs[0].data).not.toHaveProperty("_webchat");
    expect(JSON.stringify([run.outputs, session.context, session.input])).not.toMatch(/javascript:/);
  });

  test("without a nickname: first name (plus surname when asked), stored in a context key, nothing said", async () => {
    const session = await openHandover(env);
    env.sandbox.assignAgent(stateOf(session).contactId, "1002");
    const run = await runWith(env, agentDetailsNode, session, {
      includeSurname: true,
      storeLocation: "context",
      contextKey: "agentInfo",
    });
    expect(run.outputs).toEqual([]);
    expect(session.context.agentInfo).toMatchObject({ name: "Ben Okafor" });
  });

  test("nobody assigned yet: OnNoAgent", async () => {
    const session = await openHandover(env);
    const run = await runWith(env, agentDetailsNode, session, { say: true });
    expect(run.outcome).toBe("cxoneAgentDetailsOnNoAgent");
    expect(run.outputs).toEqual([]);
  });

  test("no open handover: OnNoHandover without a request", async () => {
    const run = await runWith(env, agentDetailsNode, newSession());
    expect(run.outcome).toBe("cxoneAgentDetailsOnNoHandover");
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test.each([
    ["4xx", { status: 403, times: 5 }, { code: "auth", status: 403 }],
    ["5xx", { status: 503, times: 5 }, { code: "api", status: 503, retryable: true }],
  ])("CXone %s follows OnError", async (_name, fault, expected) => {
    const session = await openHandover(env);
    env.sandbox.fault({ method: "GET", path: "/dfo/3.0/contacts/", ...fault });
    const run = await runWith(env, agentDetailsNode, session);
    expect(run.outcome).toBe("cxoneAgentDetailsOnError");
    expect(errorOf(session)).toMatchObject(expected);
  });

  test("timeout follows OnError", async () => {
    const session = await openHandover(env);
    env.sandbox.fault({ method: "GET", path: "/dfo/3.0/contacts/", delayMs: 2500, times: 5 });
    const run = await runWith(env, agentDetailsNode, session, {}, { clientOptions: { deadlineMs: 1000 } });
    expect(run.outcome).toBe("cxoneAgentDetailsOnError");
    expect(errorOf(session)).toMatchObject({ code: "timeout" });
  });

  test("bad connection follows OnError", async () => {
    const session = await openHandover(env);
    const run = await runWith(env, agentDetailsNode, session, { connection: undefined });
    expect(run.outcome).toBe("cxoneAgentDetailsOnError");
    expect(errorOf(session)).toMatchObject({ code: "config" });
  });
});
