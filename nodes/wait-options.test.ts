import { decodeThreadId, threadKeys } from "../src/handover/thread";
import { DEFAULT_ALTERNATIVE_TEXT, queueUpdateText } from "../src/handover/wait-settings";
import { errorOf, newSession, runWith, useNodeEnv } from "../test/support/nodes";
import { SANDBOX_THREAD_KEY } from "../testbed/sandbox/cxone-sandbox";
import { handoverNode } from "./handover";
import { sendToAgentNode } from "./sendToAgent";

const env = useNodeEnv();
const keys = threadKeys([SANDBOX_THREAD_KEY]);
const threadOf = (session: ReturnType<typeof newSession>) =>
  (session.context.cxoneHandover as { threadId: string }).threadId;

describe("Hand over: Queue updates and Inactivity options", () => {
  test("reach the relay inside the signed thread id, decimals of a minute included", async () => {
    const session = newSession();
    const run = await runWith(env, handoverNode, session, {
      getQueuePosition: true,
      updateIntervalQueuePosition: "45",
      queueUpdateText: "Sie sind Nummer {position}.",
      maximumQueuePosition: 20,
      maximumEstimatedWaitTime: 300000,
      inactivityTimeout: "2.5",
      inactivityMessage: "Bye.",
      inactivityWarning: true,
    });
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(decodeThreadId(threadOf(session), keys)?.wait).toEqual({
      queue: {
        position: true,
        estimatedWait: false,
        intervalSeconds: 45,
        text: "Sie sind Nummer {position}.",
        maxPosition: 20,
        maxWaitMs: 300000,
        alternativeText: DEFAULT_ALTERNATIVE_TEXT,
      },
      inactivity: {
        timeoutSeconds: 150,
        message: "Bye.",
        warning: "Are you still there? This conversation ends in one minute without a message.",
      },
    });
  });

  test("off by default: the thread id carries nothing new", async () => {
    const session = newSession();
    await runWith(env, handoverNode, session, { inactivityTimeout: "", getEstimatedWaitTime: false });
    const threadId = threadOf(session);
    expect(decodeThreadId(threadId, keys)).not.toHaveProperty("wait");
    const payload = JSON.parse(Buffer.from(threadId.split(".")[1], "base64url").toString("utf8"));
    expect(payload).toHaveLength(5);
  });

  test("a bad value or a text too long for the thread id is a config error before any request", async () => {
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { getQueuePosition: true, updateIntervalQueuePosition: 2 });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^updateIntervalQueuePosition/);
    const run2 = await runWith(env, handoverNode, session, {
      inactivityTimeout: 1,
      inactivityMessage: "x".repeat(201),
    });
    expect(run2.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^inactivityMessage.*at most 200/);
    expect(env.sandbox.requestCount({ path: "/messages" })).toBe(0);
  });

  test("a wait longer than the relay keeps is refused with its field, not carried as 'off'", async () => {
    const session = newSession();
    const long = await runWith(env, handoverNode, session, { inactivityTimeout: 20000 });
    expect(long.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^inactivityTimeout: must be minutes, 0 \(off\) to 10080/);
    const slow = await runWith(env, handoverNode, session, {
      getQueuePosition: true,
      updateIntervalQueuePosition: 100000,
    });
    expect(slow.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^updateIntervalQueuePosition: must be seconds, 10 to 86400/);
    // At the limit the setting is carried as asked.
    const week = newSession();
    await runWith(env, handoverNode, week, { inactivityTimeout: 10080 });
    expect(decodeThreadId(threadOf(week), keys)?.wait?.inactivity?.timeoutSeconds).toBe(7 * 86_400);
    env.sandbox.resetRequests();
    const far = newSession();
    await runWith(env, handoverNode, far, { maximumQueuePosition: 2e9, getEstimatedWaitTime: true });
    expect(errorOf(far)!.message).toMatch(/^maximumQueuePosition: /);
    expect(env.sandbox.requests).toHaveLength(0);
  });
});

describe("Send to Agent: the relay's waiting events", () => {
  test("queueTooLong follows On success with the handover still open; ended (inactivity) hands back to the bot", async () => {
    const session = newSession({ text: "agent" });
    await runWith(env, handoverNode, session, { sendTranscript: false, getQueuePosition: true, inactivityTimeout: 5 });
    const { contactId } = session.context.cxoneHandover as { contactId: string };
    env.sandbox.resetRequests();
    const inject = (cxone: Record<string, unknown>) => {
      session.input = { ...session.input, text: "", data: { cxone }, inputId: `in-${Math.random()}` };
      return runWith(env, sendToAgentNode, session, {});
    };
    const tooLong = await inject({ event: "queueTooLong", contactId, position: 12 });
    expect(tooLong.outcome).toBe("cxoneSendToAgentOnSuccess");
    expect(session.context.cxoneHandover).toMatchObject({ status: "queue", active: true });
    const ended = await inject({ event: "ended", reason: "inactivity", contactId });
    expect(ended.outcome).toBe("cxoneSendToAgentOnEnded");
    expect(session.context.cxoneHandover).toMatchObject({
      status: "completed",
      active: false,
      endReason: "inactivity",
    });
    // Nothing went to CXone: the relay already ended the case.
    expect(env.sandbox.requests).toHaveLength(0);
  });
});

describe("queue update text", () => {
  test("keeps the sentences whose numbers are known, never invents one", () => {
    const t = "You are number {position}. The wait is about {wait} minutes.";
    expect(queueUpdateText(t, 3, 125)).toBe("You are number 3. The wait is about 2 minutes.");
    expect(queueUpdateText(t, 3)).toBe("You are number 3.");
    expect(queueUpdateText(t, undefined, 600)).toBe("The wait is about 10 minutes.");
    expect(queueUpdateText(t)).toBeUndefined();
    expect(queueUpdateText("Please hold on.", 3)).toBe("Please hold on.");
  });
});
