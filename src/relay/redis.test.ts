import { useRedis } from "../../test/support/redis";
import { conversation, openCase, useRelayEnv } from "../../test/support/relay";
import { buildApp } from "./app";
import { parseRelayConfig } from "./config";
import { relayDeps } from "./deps";
import { RedisStore } from "./store";

/** The Redis path against a real redis-server on loopback: restarts and several relays lose and double nothing. */

const env = useRelayEnv();
const redis = useRedis();

beforeEach(() => {
  // Long over: a relay reading closed cases newest-updated first must not see them as recently closed.
  const longAgo = Date.now() - 3600_000;
  for (const c of env.sandbox.cases.values()) {
    Object.assign(c, { status: "trashed", updatedAt: longAgo, statusUpdatedAt: new Date(longAgo).toISOString() });
  }
});

const relayWithRedis = () => env.relay({ redisUrl: redis.url });
const notifies = () => env.cognigy.delivered({ route: "notify" });
const injectedEvents = () => env.cognigy.delivered({ route: "inject" }).map((c) => c.body.data?.cxone?.event);

describe("RedisStore", () => {
  test("a lease is SET NX PX: held by one owner, extended by it, released only by it, free after expiry", async () => {
    const a = await new RedisStore(redis.url, "t:").connect();
    const b = await new RedisStore(redis.url, "t:").connect();
    try {
      expect(await a.acquire("lock", "A", 60_000)).toBe(true);
      expect(await b.acquire("lock", "B", 60_000)).toBe(false);
      expect(await a.acquire("lock", "A", 60_000)).toBe(true);
      await b.release("lock", "B");
      expect(await b.acquire("lock", "B", 60_000)).toBe(false);
      await a.release("lock", "A");
      expect(await b.acquire("lock", "B", 30)).toBe(true);
      // B "dies" holding a 30 ms lease: A gets it once the lease has run out.
      let attempts = 0;
      while (!(await a.acquire("lock", "A", 60_000))) {
        attempts++;
        await new Promise((r) => setTimeout(r, 20));
        if (attempts > 500) throw new Error("lease never expired");
      }
      await a.set("k", "v", 60_000);
      expect(await b.get("k")).toBe("v");
      await a.hashSet("h", "f", "1");
      expect(await b.hashGet("h", "f")).toBe("1");
      expect([...(await b.hashGetAll("h")).entries()]).toEqual([["f", "1"]]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a relay whose Redis is unreachable refuses to start", async () => {
    await expect(env.relay({ redisUrl: "redis://127.0.0.1:1" })).rejects.toThrow(/^REDIS_URL: cannot reach Redis/);
  });
});

describe("agent replies with Redis", () => {
  test("a restart between CXone's retries: the retry on the new instance delivers exactly once", async () => {
    const caseId = await openCase(env.sandbox, conversation("restart-retry"));
    const first = await relayWithRedis();
    env.cognigy.fail(503, 1, "notify");
    const failed = await env.agent(first, { maxAttempts: 1 }).reply(env.sandbox, caseId, "Survives a restart");
    expect(failed.status).toBe(503);
    await first.close();

    const second = await relayWithRedis();
    const retried = await env.agent(second).deliver(env.sandbox, caseId, failed.message);
    expect(retried.status).toBe(200);
    await second.close();

    const third = await relayWithRedis();
    const again = await env.agent(third).deliver(env.sandbox, caseId, failed.message);
    expect(again.idOnExternalPlatform).toBe(retried.idOnExternalPlatform);
    expect(notifies().map((c) => c.body.text)).toEqual(["Survives a restart"]);
  });

  test("two relays sharing Redis: a retried message lands once, whichever instance gets the retry", async () => {
    const caseId = await openCase(env.sandbox, conversation("two-relays"));
    const [a, b] = [await relayWithRedis(), await relayWithRedis()];
    env.cognigy.fail(500, 1, "notify");
    const failed = await env.agent(a, { maxAttempts: 1 }).reply(env.sandbox, caseId, "Once across instances");
    expect(failed.status).toBe(503);
    const onB = await env.agent(b).deliver(env.sandbox, caseId, failed.message);
    const onA = await env.agent(a).deliver(env.sandbox, caseId, failed.message);
    expect(onB.status).toBe(200);
    expect(onA.idOnExternalPlatform).toBe(onB.idOnExternalPlatform);

    // The same message reaching both instances at the same moment (a load balancer retrying) still lands once.
    const message = env.sandbox.recordAgentMessage(caseId, "Raced");
    env.cognigy.delay(100, 1, "notify");
    const raced = await Promise.all([
      env.agent(a).deliver(env.sandbox, caseId, message),
      env.agent(b).deliver(env.sandbox, caseId, message),
    ]);
    expect(raced.map((r) => r.status)).toEqual([200, 200]);
    expect(raced[0].idOnExternalPlatform).toBe(raced[1].idOnExternalPlatform);
    expect(notifies().map((c) => c.body.text)).toEqual(["Once across instances", "Raced"]);
  });
});

describe("case events with Redis", () => {
  test("a restart between assignment and close loses nothing and repeats nothing", async () => {
    const caseId = await openCase(env.sandbox, conversation("restart-close", { displayAgentDetails: true }));
    const first = await relayWithRedis();
    env.sandbox.assignAgent(caseId);
    await first.pollOnce();
    await first.close();
    env.sandbox.closeCase(caseId);
    const second = await relayWithRedis();
    await second.pollOnce();
    await second.pollOnce();
    expect(injectedEvents()).toEqual(["agentJoined", "ended"]);
    expect(env.cognigy.delivered({ route: "notify", event: "agentDetails" })).toHaveLength(1);
  });

  test("two relays: one polls at a time, every event is injected once, the other takes over when it stops", async () => {
    const [a, b] = [await relayWithRedis(), await relayWithRedis()];
    const refs = [1, 2].map((n) => conversation(`pair${n}`));
    const cases = [await openCase(env.sandbox, refs[0]), await openCase(env.sandbox, refs[1])];
    const pollBoth = async () => {
      const [ra, rb] = await Promise.all([a.pollOnce(), b.pollOnce()]);
      return [ra.skipped, rb.skipped];
    };
    const first = await pollBoth();
    expect(first.filter((skipped) => !skipped)).toHaveLength(1);
    env.sandbox.assignAgent(cases[0], "1001");
    env.sandbox.assignAgent(cases[1], "1001");
    await pollBoth();
    await pollBoth();
    env.sandbox.assignAgent(cases[0], "1002");
    await pollBoth();
    env.sandbox.closeCase(cases[1]);
    await pollBoth();

    // The polling instance stops; the other one takes the lock and carries on from the shared state.
    const [holder, other] = first[0] ? [b, a] : [a, b];
    await holder.close();
    env.sandbox.closeCase(cases[0]);
    const report = await other.pollOnce();
    expect(report.skipped).toBe(false);
    await other.pollOnce();

    const byConversation = (token: string) =>
      env.cognigy.delivered({ route: "inject", urlToken: token }).map((c) => {
        const cx = c.body.data?.cxone as { event: string; agent?: { id: string } };
        return cx.event === "agentJoined" && cx.agent ? `${cx.event}:${cx.agent.id}` : cx.event;
      });
    expect(byConversation(refs[0].urlToken)).toEqual(["agentJoined:1001", "agentJoined:1002", "ended"]);
    expect(byConversation(refs[1].urlToken)).toEqual(["agentJoined:1001", "ended"]);
  });
});

describe("stopping with Redis", () => {
  test("app.close() alone stops what relayDeps built: the poll lock is given up and the Redis connection closed", async () => {
    const config = parseRelayConfig(env.config({ redisUrl: redis.url }));
    const { deps } = await relayDeps(config);
    const app = buildApp(deps);
    const other = await new RedisStore(redis.url, config.redisPrefix).connect();
    try {
      expect((await deps.caseEvents?.pollOnce())?.skipped).toBe(false);
      expect(await other.acquire("poll-lock", "other relay", 60_000)).toBe(false);
      await app.close();
      expect(await other.acquire("poll-lock", "other relay", 60_000)).toBe(true);
      // ioredis words it by how far its QUIT got; either way the relay's connection is gone.
      await expect(deps.store.get("anything")).rejects.toThrow(/Connection is closed|isn't writeable/);
    } finally {
      await other.close();
    }
  });
});
