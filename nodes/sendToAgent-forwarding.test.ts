// Send to agent as a gate: the user's messages reach the agent once, and the bot keeps working without a handover.
import { errorOf, newSession, next, openHandover, runWith, stateOf, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { sendToAgentNode } from "./sendToAgent";

const env = useNodeEnv();
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
