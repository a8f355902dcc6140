// Stored state the relay reads back is never trusted: a value not in its owner's shape is dropped and logged, the poll
// carries on and every other case is served as before (one test per owner of stored state).
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { useRedis } from "../../test/support/redis";
import { conversation, endEarlierCases, logSink, openCase, threadIdOf, useRelayEnv } from "../../test/support/relay";
import type { ConversationRef } from "../handover/thread";
import { DEFAULT_ALTERNATIVE_TEXT, DEFAULT_QUEUE_UPDATE_TEXT } from "../handover/wait-settings";
import { CASE_STATES, EVENTS_TO_RETRY } from "./case-state";
import { INACTIVITY_TIMERS } from "./inactivity";
import { QUEUED_CASES } from "./queue-updates";
import { RedisStore } from "./store";

const env = useRelayEnv();
const redis = useRedis();

// Cases of earlier tests are long over: a fresh relay sees none of them.
beforeEach(() => endEarlierCases(env.sandbox));

let clock = Date.now();
const now = () => clock;
beforeEach(() => {
  clock = Date.now();
});

const calls = (route: "notify" | "inject", ref: ConversationRef, event?: string) =>
  env.cognigy.delivered({ route, event, urlToken: ref.urlToken });

/** A relay that logs warnings into `lines`. */
async function loggingRelay(options: Parameters<typeof env.relay>[1] = {}) {
  const sink = logSink();
  const relay = await env.relay({ logLevel: "warn" }, { now, ...sink.options, ...options });
  return { relay, lines: sink.lines };
}

/** The keys the relay said it dropped: named by key, never with the stored value. */
function droppedKeys(lines: string[]): string[] {
  return lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === "stored state not in this relay's shape; dropped")
    .map((l) => {
      const ownFields = Object.keys(l).filter((k) => !["level", "time", "service", "component", "msg"].includes(k));
      expect(ownFields).toEqual(["key"]);
      return l.key;
    });
}

describe("stored state not in the relay's shape is dropped and logged; the other cases carry on", () => {
  test("case states (written into Redis by another app sharing the prefix); older single-letter states still load", async () => {
    const prefix = `stored-${randomUUID()}:`;
    const store = await new RedisStore(redis.url, prefix).connect();
    const other = new Redis(redis.url);
    try {
      const { relay, lines } = await loggingRelay({ store });
      const bent = conversation("state-bent");
      const fine = conversation("state-fine");
      const legacy = conversation("state-legacy");
      const bentCase = await openCase(env.sandbox, bent);
      const fineCase = await openCase(env.sandbox, fine);
      const legacyCase = await openCase(env.sandbox, legacy);
      env.sandbox.assignAgent(legacyCase, "1001");
      // A relay before the descriptive names already told this conversation about its agent.
      await other.hset(`${prefix}${CASE_STATES}`, legacyCase, JSON.stringify({ t: threadIdOf(legacy), j: "1001" }));
      await relay.pollOnce();

      // An agent id that is no string would read as "the agent left" (a requeued inject) if trusted.
      await other.hset(
        `${prefix}${CASE_STATES}`,
        bentCase,
        JSON.stringify({ threadId: threadIdOf(bent), joinedAgentId: 7 }),
      );
      await other.hset(`${prefix}${CASE_STATES}`, "foreign", "{truncated");
      env.sandbox.assignAgent(fineCase, "1001");
      const report = await relay.pollOnce();

      expect(report.error).toBeUndefined();
      expect(report.events).toEqual([`agentJoined:${fineCase}`]);
      expect(calls("inject", bent)).toHaveLength(0);
      expect(calls("inject", legacy)).toHaveLength(0);
      expect(droppedKeys(lines).sort()).toEqual([`${CASE_STATES}/${bentCase}`, `${CASE_STATES}/foreign`].sort());
      expect(await other.hexists(`${prefix}${CASE_STATES}`, "foreign")).toBe(0);
      // The legacy state was rewritten with today's names as the reconciliation marked it seen.
      expect(JSON.parse((await other.hget(`${prefix}${CASE_STATES}`, legacyCase)) ?? "{}")).toMatchObject({
        threadId: threadIdOf(legacy),
        joinedAgentId: "1001",
      });
    } finally {
      other.disconnect();
      await store.close();
    }
  });

  test("events to retry", async () => {
    const { relay, lines } = await loggingRelay();
    const bent = conversation("retry-bent");
    const fine = conversation("retry-fine");
    await openCase(env.sandbox, bent);
    const fineCase = await openCase(env.sandbox, fine);
    await relay.pollOnce();
    // A case id that is no id would be injected as an `ended` with a malformed contactId, failing every poll.
    const bentContact = { id: { n: 1 }, status: "closed", threadIdOnExternalPlatform: threadIdOf(bent) };
    await relay.store.hashSet(EVENTS_TO_RETRY, "foreign", JSON.stringify(bentContact));
    await relay.store.hashSet(EVENTS_TO_RETRY, "truncated", '{"id":"1","sta');
    env.sandbox.assignAgent(fineCase, "1001");

    const report = await relay.pollOnce();
    expect(report.error).toBeUndefined();
    expect(report.events).toEqual([`agentJoined:${fineCase}`]);
    expect(calls("inject", bent)).toHaveLength(0);
    expect(droppedKeys(lines).sort()).toEqual([`${EVENTS_TO_RETRY}/foreign`, `${EVENTS_TO_RETRY}/truncated`]);
    expect(await relay.store.hashGetAll(EVENTS_TO_RETRY)).toEqual(new Map());
  });

  test("queued cases", async () => {
    const { relay, lines } = await loggingRelay();
    const queue = {
      position: true,
      estimatedWait: false,
      intervalSeconds: 30,
      text: DEFAULT_QUEUE_UPDATE_TEXT,
      alternativeText: DEFAULT_ALTERNATIVE_TEXT,
    };
    const ref = conversation("queue-fine", { wait: { queue } });
    const caseId = await openCase(env.sandbox, ref);
    // Queued earlier than the real case, with a flag no relay writes: trusted, it would push the case to number 2.
    const bent = { threadId: "elsewhere", createdAt: clock - 60_000, tooLong: "yes" };
    await relay.store.hashSet(QUEUED_CASES, "foreign", JSON.stringify(bent));
    await relay.store.hashSet(QUEUED_CASES, "truncated", '{"threadId":');

    const report = await relay.pollOnce();
    expect(report.error).toBeUndefined();
    expect(report.events).toEqual([`queueUpdate:${caseId}`]);
    expect(calls("notify", ref, "queueUpdate")[0].body.data?.cxone).toEqual({
      event: "queueUpdate",
      contactId: caseId,
      position: 1,
    });
    expect(droppedKeys(lines).sort()).toEqual([`${QUEUED_CASES}/foreign`, `${QUEUED_CASES}/truncated`]);
    expect([...(await relay.store.hashGetAll(QUEUED_CASES)).keys()]).toEqual([caseId]);
  });

  test("inactivity timers", async () => {
    const { relay, lines } = await loggingRelay();
    const patient = conversation("quiet-patient", { wait: { inactivity: { timeoutSeconds: 600, message: "Bye." } } });
    const quiet = conversation("quiet-fine", { wait: { inactivity: { timeoutSeconds: 120, message: "Bye." } } });
    await openCase(env.sandbox, patient);
    const quietCase = await openCase(env.sandbox, quiet);
    // An `ending` no relay writes: trusted, it would end the patient conversation at once with a stranger's case id.
    const bent = { threadId: threadIdOf(patient), lastAt: clock, ending: "yes" };
    await relay.store.hashSet(INACTIVITY_TIMERS, "foreign", JSON.stringify(bent));
    await relay.store.hashSet(INACTIVITY_TIMERS, "truncated", "{");

    expect((await relay.pollOnce()).error).toBeUndefined();
    clock += 121_000;
    const report = await relay.pollOnce();
    expect(report.error).toBeUndefined();
    expect(report.events).toEqual([`ended:${quietCase}`]);
    expect(calls("inject", patient)).toHaveLength(0);
    expect(calls("inject", quiet, "ended")).toHaveLength(1);
    expect(droppedKeys(lines).sort()).toEqual([`${INACTIVITY_TIMERS}/foreign`, `${INACTIVITY_TIMERS}/truncated`]);
  });

  test("reconciliation progress", async () => {
    const { relay, lines } = await loggingRelay();
    const ref = conversation("reconcile-fine");
    const caseId = await openCase(env.sandbox, ref);
    // A list where a list of case ids belongs: trusted, every poll's reconciliation step would fail on it.
    await relay.store.set("case-reconciliation", JSON.stringify({ cycle: 2, toConfirm: "abc" }), 60_000);
    env.sandbox.assignAgent(caseId, "1001");

    const report = await relay.pollOnce();
    expect(report.error).toBeUndefined();
    expect(report.events).toEqual([`agentJoined:${caseId}`]);
    // A new cycle started in place of the dropped progress, and the next poll goes on from it.
    expect(JSON.parse((await relay.store.get("case-reconciliation")) ?? "{}")).toMatchObject({ cycle: 1 });
    expect((await relay.pollOnce()).error).toBeUndefined();
    expect(droppedKeys(lines)).toEqual(["case-reconciliation"]);
  });

  test("delivery records of agent messages", async () => {
    const prefix = `stored-${randomUUID()}:`;
    const store = await new RedisStore(redis.url, prefix).connect();
    const other = new Redis(redis.url);
    try {
      const { relay, lines } = await loggingRelay({ store });
      const ref = conversation("done-bent");
      const caseId = await openCase(env.sandbox, ref);
      const agent = env.agent(relay);
      const first = await agent.reply(env.sandbox, caseId, "First");
      const [doneKey] = await other.keys(`${prefix}done:*`);
      // Trusted, CXone's retry would be answered "delivered" without the id it must get back.
      await other.set(doneKey, JSON.stringify({ at: 5 }));

      const again = await agent.deliver(env.sandbox, caseId, first.message);
      expect(again.status).toBe(200);
      expect(again.idOnExternalPlatform).toBe(first.idOnExternalPlatform);
      expect(droppedKeys(lines)).toEqual([doneKey.slice(prefix.length)]);
      // Dropped, the record says nothing: the message counts as not delivered and is delivered again, recorded anew.
      expect(calls("notify", ref).map((n) => n.body.text)).toEqual(["First", "First"]);
      const second = await agent.reply(env.sandbox, caseId, "Second");
      expect(second.status).toBe(200);
      expect(calls("notify", ref).map((n) => n.body.text)).toEqual(["First", "First", "Second"]);
      expect(await agent.deliver(env.sandbox, caseId, first.message)).toMatchObject({ status: 200 });
      expect(calls("notify", ref)).toHaveLength(3);
    } finally {
      other.disconnect();
      await store.close();
    }
  });
});
