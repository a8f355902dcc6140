import { randomUUID } from "node:crypto";
import { useRedis } from "../../test/support/redis";
import { conversation, endEarlierCases, openCase, threadIdOf, useRelayEnv } from "../../test/support/relay";
import { CxoneClient, parseConnection } from "../cxone";
import type { ConversationRef } from "../handover/thread";
import {
  DEFAULT_ALTERNATIVE_TEXT,
  DEFAULT_QUEUE_UPDATE_TEXT,
  type InactivitySettings,
  type QueueUpdateSettings,
} from "../handover/wait-settings";
import { RedisStore } from "./store";

const env = useRelayEnv();
const redis = useRedis();

// Cases of earlier tests are long over: they neither queue nor time out here.
beforeEach(() => endEarlierCases(env.sandbox));

const queue = (over: Partial<QueueUpdateSettings> = {}): QueueUpdateSettings => ({
  position: true,
  estimatedWait: true,
  intervalSeconds: 30,
  text: DEFAULT_QUEUE_UPDATE_TEXT,
  alternativeText: DEFAULT_ALTERNATIVE_TEXT,
  ...over,
});
const inactivity = (over: Partial<InactivitySettings> = {}): InactivitySettings => ({
  timeoutSeconds: 300,
  message: "Ended: nobody wrote.",
  ...over,
});

/** The relays' clock: tests move it instead of waiting. */
let clock = Date.now();
const now = () => clock;

const calls = (route: "notify" | "inject", event: string, ref: ConversationRef) =>
  env.cognigy.delivered({ route, event, urlToken: ref.urlToken });

async function userWrites(ref: ConversationRef, at: number) {
  const client = new CxoneClient(parseConnection(env.sandbox.connection()), { sleep: async () => {} });
  await client.sendMessage({
    threadId: threadIdOf(ref),
    messageId: `u-${randomUUID()}`,
    text: "still here",
    author: { id: ref.userId },
    createdAt: new Date(at),
  });
}

describe("queue updates", () => {
  beforeEach(() => {
    clock = Date.now();
  });

  test("arrive right away and at the interval, with the position among the channel's queued cases, and stop on assignment", async () => {
    const relay = await env.relay({}, { now });
    const first = conversation("q-first");
    const ref = conversation("q-second", { wait: { queue: queue() } });
    const firstCase = await openCase(env.sandbox, first);
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.cases.get(firstCase)!.createdAt = new Date(clock - 5000).toISOString();

    await relay.pollOnce();
    let updates = calls("notify", "queueUpdate", ref);
    expect(updates).toHaveLength(1);
    // No assignment was ever observed: position only, the sentence about the wait is left out.
    expect(updates[0].body.text).toBe("You are number 2 in the queue.");
    expect(updates[0].body.data?.cxone).toEqual({ event: "queueUpdate", contactId: caseId, position: 2 });
    // The handover without queue updates gets none.
    expect(calls("notify", "queueUpdate", first)).toHaveLength(0);

    await relay.pollOnce();
    expect(calls("notify", "queueUpdate", ref)).toHaveLength(1);
    clock += 30_000;
    env.sandbox.assignAgent(firstCase, "1002");
    await relay.pollOnce();
    updates = calls("notify", "queueUpdate", ref);
    expect(updates).toHaveLength(2);
    expect(updates[1].body.data?.cxone).toMatchObject({ position: 1 });

    env.sandbox.assignAgent(caseId, "1001");
    for (let i = 0; i < 3; i++) {
      clock += 30_000;
      await relay.pollOnce();
    }
    expect(calls("notify", "queueUpdate", ref)).toHaveLength(2);
    expect(calls("inject", "agentJoined", ref)).toHaveLength(1);
  });

  test("cost nothing in CXone: one poll with 50 queued handovers sends what a poll without them sends", async () => {
    const relay = await env.relay({}, { now });
    const refs = Array.from({ length: 50 }, (_, i) => conversation(`q-many-${i}`, { wait: { queue: queue() } }));
    for (const ref of refs) await openCase(env.sandbox, ref, true);
    await relay.pollOnce();
    await relay.pollOnce();
    env.sandbox.resetRequests();
    clock += 30_000;
    const report = await relay.pollOnce();
    expect(report.events.filter((e) => e.startsWith("queueUpdate:"))).toHaveLength(50);
    // The newest-updated read and one reconciliation page, as without queue updates.
    expect(env.sandbox.requestCount()).toBe(2);
  });

  test("an estimate only from assignments the relay saw; the maximum sends the alternative text once and one queueTooLong", async () => {
    const relay = await env.relay({}, { now });
    // Six handovers that agents take, one a minute: the relay observes the rate.
    const earlier = Array.from({ length: 6 }, (_, i) => conversation(`q-rate-${i}`));
    const earlierCases: string[] = [];
    for (const r of earlier) earlierCases.push(await openCase(env.sandbox, r));
    const ref = conversation("q-long", { wait: { queue: queue({ maxWaitMs: 4 * 60_000 }) } });
    await relay.pollOnce();
    for (const id of earlierCases.slice(0, 3)) {
      clock += 60_000;
      env.sandbox.assignAgent(id, "1001");
      await relay.pollOnce();
    }
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    // Agents took one case a minute (2 gaps in 2 minutes); 4th in line: about 4 minutes, not over the maximum.
    let updates = calls("notify", "queueUpdate", ref);
    expect(updates).toHaveLength(1);
    expect(updates[0].body.data?.cxone).toEqual({
      event: "queueUpdate",
      contactId: caseId,
      position: 4,
      estimatedWaitSeconds: 240,
    });
    expect(updates[0].body.text).toBe("You are number 4 in the queue. The wait is about 4 minutes.");

    // Time passes without assignments: the rate falls, the estimate passes the maximum.
    clock += 60_000;
    await relay.pollOnce();
    clock += 30_000;
    await relay.pollOnce();
    clock += 30_000;
    await relay.pollOnce();
    updates = calls("notify", "queueUpdate", ref);
    expect(updates.filter((u) => u.body.text === DEFAULT_ALTERNATIVE_TEXT)).toHaveLength(1);
    const tooLong = calls("inject", "queueTooLong", ref);
    expect(tooLong).toHaveLength(1);
    expect(tooLong[0].body.data?.cxone).toMatchObject({ event: "queueTooLong", contactId: caseId, position: 4 });
    expect(Number(tooLong[0].body.data?.cxone?.estimatedWaitSeconds)).toBeGreaterThan(240);
    // Later updates are ordinary ones again.
    expect(updates.at(-1)?.body.text).toMatch(/^You are number 4 in the queue\. The wait is about \d+ minutes\.$/);
  });

  test("a maximum position triggers the alternative once even when the inject must be retried", async () => {
    const relay = await env.relay({}, { now });
    const ahead = [conversation("q-pos-a"), conversation("q-pos-b")];
    for (const r of ahead) await openCase(env.sandbox, r);
    const ref = conversation("q-pos", { wait: { queue: queue({ maxPosition: 2, alternativeText: "Long wait!" }) } });
    const caseId = await openCase(env.sandbox, ref);
    env.cognigy.fail(503, 1, "inject");
    await relay.pollOnce();
    clock += 30_000;
    await relay.pollOnce();
    clock += 30_000;
    await relay.pollOnce();
    expect(calls("notify", "queueUpdate", ref).filter((u) => u.body.text === "Long wait!")).toHaveLength(1);
    expect(calls("inject", "queueTooLong", ref)).toHaveLength(1);
    expect(calls("inject", "queueTooLong", ref)[0].body.data?.cxone).toMatchObject({ contactId: caseId, position: 3 });
  });
});

describe("inactivity", () => {
  beforeEach(() => {
    clock = Date.now();
  });

  test("a quiet queued handover is abandoned once: the message, one ended inject, no resolved", async () => {
    const relay = await env.relay({}, { now });
    const ref = conversation("quiet-queued", { wait: { inactivity: inactivity({ timeoutSeconds: 120 }) } });
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    clock += 119_000;
    await relay.pollOnce();
    expect(env.sandbox.cases.get(caseId)!.status).toBe("new");
    clock += 2_000;
    const report = await relay.pollOnce();
    expect(report.events).toContain(`ended:${caseId}`);
    const c = env.sandbox.cases.get(caseId)!;
    expect(c.abandon).toBeDefined();
    expect(c.status).toBe("closed");
    for (let i = 0; i < 5; i++) {
      clock += 60_000;
      await relay.pollOnce();
    }
    expect(calls("inject", "ended", ref)).toHaveLength(1);
    expect(calls("inject", "ended", ref)[0].body.data?.cxone).toEqual({
      event: "ended",
      reason: "inactivity",
      contactId: caseId,
    });
    expect(calls("notify", "ended", ref).map((n) => n.body.text)).toEqual(["Ended: nobody wrote."]);
    expect(calls("inject", "resolved", ref)).toHaveLength(0);
  });

  test("a quiet assigned handover is closed, after the warning a minute before", async () => {
    const relay = await env.relay({}, { now });
    const ref = conversation("quiet-assigned", {
      wait: { inactivity: inactivity({ timeoutSeconds: 180, warning: "One more minute." }) },
    });
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    env.sandbox.assignAgent(caseId, "1001");
    await relay.pollOnce();
    clock += 121_000;
    await relay.pollOnce();
    await relay.pollOnce();
    expect(calls("notify", "inactivityWarning", ref).map((n) => n.body.text)).toEqual(["One more minute."]);
    expect(env.sandbox.cases.get(caseId)!.status).toBe("open");
    clock += 60_000;
    await relay.pollOnce();
    const c = env.sandbox.cases.get(caseId)!;
    expect(c.status).toBe("closed");
    expect(c.abandon).toBeUndefined();
    expect(calls("inject", "ended", ref)).toHaveLength(1);
  });

  test("a chatty handover never ends: user messages read from CXone only when a timer falls due", async () => {
    const relay = await env.relay({}, { now });
    const ref = conversation("chatty", { wait: { inactivity: inactivity({ timeoutSeconds: 120 }) } });
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    env.sandbox.resetRequests();
    for (let i = 0; i < 10; i++) {
      clock += 50_000;
      await userWrites(ref, clock);
      await relay.pollOnce();
    }
    expect(env.sandbox.cases.get(caseId)!.status).toBe("new");
    expect(calls("inject", "ended", ref)).toHaveLength(0);
    // 500 s of chat with a 120 s timeout: at most one message search per timeout period, not one per message.
    const searches = env.sandbox.requests.filter(
      (r) => r.path === "/dfo/3.0/messages" && r.url.includes("contactNumber"),
    );
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.length).toBeLessThanOrEqual(5);
    expect(searches[0].url).toBe(`/dfo/3.0/messages?contactNumber=${caseId}&direction=inbound`);
  });

  test("an agent's messages keep the handover open too", async () => {
    const relay = await env.relay({}, { now });
    const ref = conversation("agent-chats", { wait: { inactivity: inactivity({ timeoutSeconds: 120 }) } });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId, "1001");
    await relay.pollOnce();
    const agent = env.agent(relay);
    for (let i = 0; i < 4; i++) {
      clock += 100_000;
      expect((await agent.reply(env.sandbox, caseId, `still on it ${i}`)).status).toBe(200);
      await relay.pollOnce();
    }
    expect(calls("inject", "ended", ref)).toHaveLength(0);
  });

  test("a relay restart loses no timer (Redis)", async () => {
    const prefix = `wait-test-${randomUUID()}:`;
    const url = redis.url;
    const storeA = await new RedisStore(url, prefix).connect();
    const relayA = await env.relay({}, { now, store: storeA });
    const ref = conversation("restart", {
      wait: { inactivity: inactivity({ timeoutSeconds: 120 }), queue: queue({ intervalSeconds: 60 }) },
    });
    const caseId = await openCase(env.sandbox, ref);
    await relayA.pollOnce();
    expect(calls("notify", "queueUpdate", ref)).toHaveLength(1);
    await relayA.close();
    await storeA.close();

    const storeB = await new RedisStore(url, prefix).connect();
    try {
      const relayB = await env.relay({}, { now, store: storeB });
      clock += 30_000;
      await relayB.pollOnce();
      // The interval runs on from the first relay's update.
      expect(calls("notify", "queueUpdate", ref)).toHaveLength(1);
      clock += 31_000;
      await relayB.pollOnce();
      expect(calls("notify", "queueUpdate", ref)).toHaveLength(2);
      clock += 60_000;
      await relayB.pollOnce();
      expect(calls("inject", "ended", ref)).toHaveLength(1);
      expect(env.sandbox.cases.get(caseId)!.status).toBe("closed");
    } finally {
      await storeB.close();
    }
  });
});
