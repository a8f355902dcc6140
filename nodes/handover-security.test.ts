import { ADVERSARIAL_TURNS } from "../test/support/adversarial";
import { errorOf, newSession, runWith, useNodeEnv } from "../test/support/nodes";
import { runNode } from "../testbed/emulator/runtime";
import { handoverNode } from "./handover";

const env = useNodeEnv();

/**
 * User text is attacker-controlled: five 100 KB turns built to make masking patterns backtrack must not cost the
 * node its 20 s budget (before src/handover/pii.ts, one such turn took 4–28 s). The bound asserted is half the budget,
 * far from what a linear scan needs (well under a second here), so a noisy machine does not make it flaky.
 */
test("Hand over with five adversarial 100 KB user turns opens the case well inside the node budget", async () => {
  const turns = Object.values(ADVERSARIAL_TURNS).slice(0, 5);
  const entries = turns.flatMap((text) => [
    { source: "user", text },
    { source: "bot", text: "Let me check." },
  ]);
  const session = newSession({ text: "agent" });
  const started = Date.now();
  const run = await runWith(env, handoverNode, session, {}, { cognigy: { lastConversationEntries: entries } });
  const ms = Date.now() - started;
  expect(run.outcome).toBe("cxoneHandoverOnSuccess");
  expect(ms).toBeLessThan(10_000);
  const state = session.context.cxoneHandover as { threadId: string };
  const messages = env.sandbox.caseForThread(state.threadId)!.messages;
  expect(messages.length).toBeGreaterThan(0);
});

test("without a thread key on the connection Hand over opens no case and names the field to fix", async () => {
  const session = newSession({ text: "agent" });
  const { threadKey: _, ...connection } = env.sandbox.connection();
  const run = await runNode(handoverNode, { config: { connection }, session });
  expect(run.outcome).toBe("cxoneHandoverOnError");
  expect(errorOf(session)).toMatchObject({ code: "config", message: expect.stringContaining("threadKey: is missing") });
  expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(0);
  expect(session.context.cxoneHandover).toBeUndefined();
});
