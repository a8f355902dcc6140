import { newSession, runWith, useNodeEnv } from "../test/support/nodes";
import type { Session } from "../testbed/emulator/runtime";
import { agentDetailsNode } from "./agentDetails";
import { endHandoverNode } from "./endHandover";
import { handoverNode } from "./handover";
import { sendToAgentNode } from "./sendToAgent";

// The handover in context as an older version stored it: any picture CXone gave, however it was written.
const env = useNodeEnv();
const OLD_AVATAR = "javascript:alert(1)";
type Stored = { contactId: string; threadId: string; status: string; agent?: Record<string, unknown> };
const stateOf = (s: Session) => s.context.cxoneHandover as Stored;

/** A handover on Webchat an agent works on, with the agent's picture as an older version could have stored it. */
async function activeWithOldAvatar(displayAgentDetails: boolean): Promise<Session> {
  const session = newSession({ text: "agent" });
  await runWith(env, handoverNode, session, { sendTranscript: false, displayAgentDetails });
  env.sandbox.assignAgent(stateOf(session).contactId, "1001");
  const agent = { id: "1001", name: "Anna", avatarUrl: OLD_AVATAR };
  session.context.cxoneHandover = { ...stateOf(session), status: "active", agent };
  return session;
}

function next(session: Session, input: Record<string, unknown>): Session {
  session.input = { ...session.input, data: {}, inputId: `in-${Math.random().toString(36).slice(2)}`, ...input };
  return session;
}

describe("a stored agent picture that is not http(s)", () => {
  test("Send to Agent keeps the handover and the agent, drops the picture, and hand-back does not react to it", async () => {
    const session = await activeWithOldAvatar(false);
    const forwarded = await runWith(env, sendToAgentNode, next(session, { text: "still there?" }));
    expect(forwarded.outcome).toBe("cxoneSendToAgentOnSuccess");
    expect(env.sandbox.caseForThread(stateOf(session).threadId)!.messages.at(-1)?.text).toBe("still there?");
    expect(stateOf(session)).toMatchObject({ status: "active", agent: { id: "1001", name: "Anna" } });
    expect(stateOf(session).agent).not.toHaveProperty("avatarUrl");

    // Written back by an older node meanwhile: hand-back neither writes it again nor resets a picture never shown.
    session.context.cxoneHandover = { ...stateOf(session), agent: { id: "1001", name: "Anna", avatarUrl: OLD_AVATAR } };
    const { contactId } = stateOf(session);
    const ended = await runWith(
      env,
      sendToAgentNode,
      next(session, { data: { cxone: { event: "resolved", contactId } } }),
    );
    expect(ended.outcome).toBe("cxoneSendToAgentOnResolved");
    expect(ended.outputs).toEqual([]);
    expect(stateOf(session)).toMatchObject({ status: "completed", agent: { id: "1001", name: "Anna" } });
    expect(JSON.stringify([forwarded.outputs, session.context, session.input])).not.toContain("javascript:");
  });

  test("End Handover and Agent details never output it; with agent details on, hand-back still resets the look", async () => {
    const plain = await activeWithOldAvatar(false);
    const ended = await runWith(env, endHandoverNode, plain, {});
    expect(ended.outcome).toBe("cxoneEndHandoverOnSuccess");
    expect(ended.outputs).toEqual([]);
    expect(stateOf(plain)).toMatchObject({ status: "cancelled", agent: { id: "1001", name: "Anna" } });

    const shown = await activeWithOldAvatar(true);
    const details = await runWith(env, agentDetailsNode, shown, { say: true });
    expect(details.outcome).toBe("cxoneAgentDetailsOnSuccess");
    expect(details.outputs[0].text).toBe("You are now chatting with Anna");
    const restored = await runWith(env, endHandoverNode, shown, {});
    expect(restored.outputs).toEqual([{ text: "", data: { _webchat: { botAvatarOverrideUrl: "" } } }]);
    const seen = [ended.outputs, plain.context, plain.input, details.outputs, restored.outputs, shown.input];
    expect(JSON.stringify(seen)).not.toContain("javascript:");
  });
});
