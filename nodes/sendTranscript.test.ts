import { errorOf, newSession, openHandover, runWith, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { sendTranscriptNode } from "./sendTranscript";

const env = useNodeEnv();
const stateOf = (s: Session) => s.context.cxoneHandover as { threadId: string; handoverId: string; sent: number };

/** Cognigy's order: newest first. */
const entries = [
  { source: "bot", text: "thanks" },
  { source: "user", text: "my number is 0171 2345678" },
];

describe("Send transcript", () => {
  test("sends the transcript on the open thread after the opening message, masked", async () => {
    const session = await openHandover(env);
    session.input.inputId = "transcript-input-1";
    const run = await runWith(env, sendTranscriptNode, session, {}, { cognigy: { lastConversationEntries: entries } });
    expect(run.outcome).toBe("cxoneSendTranscriptOnSuccess");
    const messages = env.sandbox.caseForThread(stateOf(session).threadId)!.messages;
    expect(messages).toHaveLength(2);
    expect(messages[0].idOnExternalPlatform).toBe(`${stateOf(session).handoverId}:open`);
    expect(messages[1].text).toContain("Customer: my number is [phone]\nBot: thanks");
    expect(stateOf(session).sent).toBe(2);
  });

  test("the same input twice sends the transcript once; a later input sends it again", async () => {
    const session = await openHandover(env);
    session.input.inputId = "transcript-input-2";
    const opts = { cognigy: { lastConversationEntries: entries } };
    await runWith(env, sendTranscriptNode, session, {}, opts);
    await runWith(env, sendTranscriptNode, session, {}, opts);
    expect(env.sandbox.caseForThread(stateOf(session).threadId)!.messages).toHaveLength(2);
    session.input.inputId = "transcript-input-3";
    await runWith(env, sendTranscriptNode, session, {}, opts);
    expect(env.sandbox.caseForThread(stateOf(session).threadId)!.messages).toHaveLength(3);
  });

  test("only the field, when chosen: a CognigyScript string holding JSON", async () => {
    const session = await openHandover(env);
    const field = JSON.stringify([{ source: "user", text: "from the field" }]);
    await runWith(
      env,
      sendTranscriptNode,
      session,
      { transcriptSource: "field", transcriptJson: field },
      {
        cognigy: { lastConversationEntries: entries },
      },
    );
    const messages = env.sandbox.caseForThread(stateOf(session).threadId)!.messages;
    expect(messages[1].text).toContain("Customer: from the field");
    expect(messages[1].text).not.toContain("thanks");
  });

  test("no transcript anywhere: success without a request", async () => {
    const session = await openHandover(env);
    const run = await runWith(env, sendTranscriptNode, session);
    expect(run.outcome).toBe("cxoneSendTranscriptOnSuccess");
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("no open handover: OnNoHandover", async () => {
    const run = await runWith(
      env,
      sendTranscriptNode,
      newSession(),
      {},
      { cognigy: { lastConversationEntries: entries } },
    );
    expect(run.outcome).toBe("cxoneSendTranscriptOnNoHandover");
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test.each([
    ["4xx", { status: 400, times: 5 }, { code: "api", status: 400 }],
    ["5xx", { status: 500, times: 5 }, { code: "api", status: 500, retryable: true }],
  ])("CXone %s follows OnError", async (_name, fault, expected) => {
    const session = await openHandover(env);
    env.sandbox.fault({ method: "POST", path: "/messages", ...fault });
    const run = await runWith(env, sendTranscriptNode, session, {}, { cognigy: { lastConversationEntries: entries } });
    expect(run.outcome).toBe("cxoneSendTranscriptOnError");
    expect(errorOf(session)).toMatchObject(expected);
  });

  test("timeout follows OnError", async () => {
    const session = await openHandover(env);
    env.sandbox.fault({ method: "POST", path: "/messages", delayMs: 2500, times: 5 });
    const run = await runWith(
      env,
      sendTranscriptNode,
      session,
      {},
      { cognigy: { lastConversationEntries: entries }, clientOptions: { deadlineMs: 1000 } },
    );
    expect(run.outcome).toBe("cxoneSendTranscriptOnError");
    expect(errorOf(session)).toMatchObject({ code: "timeout" });
  });

  test("bad connection follows OnError", async () => {
    const session = await openHandover(env);
    const run = await runWith(
      env,
      sendTranscriptNode,
      session,
      { connection: { ...env.sandbox.connection(), channelId: " " } },
      { cognigy: { lastConversationEntries: entries } },
    );
    expect(run.outcome).toBe("cxoneSendTranscriptOnError");
    expect(errorOf(session)!.message).toMatch(/^channelId/);
  });
});
