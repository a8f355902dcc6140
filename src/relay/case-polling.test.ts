// The case poller itself: its reads, its CXone session, and how it survives outages, refusals and restarts.
import { conversation, openCase, openedOverTime, useCaseEventsEnv } from "../../test/support/relay";
import { MemoryStore } from "./store";

const { env, injects, searches, caseGets } = useCaseEventsEnv();

describe("case events by polling", () => {
  test("each relay keeps its own CXone token: two relays in one process do not share a session", async () => {
    const tokens = () => env.sandbox.requestCount({ method: "POST", path: "/auth/token" });
    env.sandbox.resetRequests();
    const first = await env.relay();
    await first.pollOnce();
    await first.pollOnce();
    expect(tokens()).toBe(1);
    const second = await env.relay();
    await second.pollOnce();
    expect(tokens()).toBe(2);
  });

  test("a failing reconciliation step does not cost the poll its other events", async () => {
    const relay = await env.relay();
    const ref = conversation("sweep-fails");
    const caseId = await openCase(env.sandbox, ref);
    for (let i = 0; i < 4; i++) await relay.pollOnce();
    env.sandbox.assignAgent(caseId, "1001");
    // The reconciliation's search fails, the newest-updated read (sent first) does not.
    env.sandbox.fault({ method: "GET", path: /^\/dfo\/3\.0\/contacts$/, status: 400, times: 1, skip: 1 });
    const report = await relay.pollOnce();
    expect(report.events).toEqual([`agentJoined:${caseId}`]);
  });

  test("cases of other integrations on the channel are ignored", async () => {
    const relay = await env.relay();
    const c = await openCase(env.sandbox, conversation("mine"));
    const foreign = [...env.sandbox.cases.values()].find((x) => x.id === c)!;
    env.sandbox.cases.set("777777", { ...foreign, id: "777777", threadIdOnExternalPlatform: "whatsapp-thread-1" });
    env.sandbox.assignAgent("777777");
    await relay.pollOnce();
    env.sandbox.closeCase("777777");
    await relay.pollOnce();
    expect(injects()).toHaveLength(0);
  });

  test("60 open cases: a poll reads the changed ones, not the whole list", async () => {
    const relay = await env.relay();
    const refs = Array.from({ length: 60 }, (_, i) => conversation(`page${i}`));
    const cases = await Promise.all(refs.map((r) => openCase(env.sandbox, r, true)));
    openedOverTime(env.sandbox, cases);
    // The first poll meets 60 cases it does not follow yet: it reads on until a page ends in one that needs nothing.
    await relay.pollOnce();
    env.sandbox.resetRequests();
    env.sandbox.assignAgent(cases[0]);
    env.sandbox.closeCase(cases[1]);
    const report = await relay.pollOnce();
    expect(report.events.sort()).toEqual([`agentJoined:${cases[0]}`, `ended:${cases[1]}`].sort());
    // One page of the newest-updated read, one page of the reconciliation: not the three pages of the open list.
    expect(searches()).toBe(2);
    expect(caseGets()).toBe(0);
  });

  test("Cognigy down: the event is retried on the next poll and delivered once", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("retry"));
    env.sandbox.assignAgent(caseId);
    env.cognigy.fail(503, 1, "inject");
    await relay.pollOnce();
    expect(injects()).toHaveLength(0);
    await relay.pollOnce();
    expect(injects("agentJoined")).toHaveLength(1);
    env.sandbox.closeCase(caseId);
    env.cognigy.hang(1, "inject");
    await relay.pollOnce();
    await relay.pollOnce();
    await relay.pollOnce();
    expect(injects("ended")).toHaveLength(1);
  });

  test("a CXone outage makes a poll fail without losing state; the next one catches up", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("cxone-down"));
    await relay.pollOnce();
    env.sandbox.closeCase(caseId);
    env.sandbox.fault({ method: "GET", path: /^\/dfo\/3\.0\/contacts$/, status: 500, times: 10 });
    const failed = await relay.pollOnce();
    expect(failed.error).toBeDefined();
    expect(injects()).toHaveLength(0);
    env.sandbox.clearFaults();
    await relay.pollOnce();
    expect(injects("ended")).toHaveLength(1);
  });

  test("Cognigy refusing an event (4xx) is retried a few polls, then given up and logged, not retried forever", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("refused"));
    env.sandbox.assignAgent(caseId);
    env.cognigy.fail(400, 5, "inject");
    for (let i = 0; i < 7; i++) await relay.pollOnce();
    expect(env.cognigy.calls.filter((c) => c.route === "inject")).toHaveLength(5);
    expect(await relay.metrics.registry.getSingleMetricAsString("relay_case_events_total")).toContain(
      'event="agentJoined",outcome="gave_up"} 1',
    );
  });

  test("a restart between assignment and close loses nothing (state in the store)", async () => {
    const store = new MemoryStore();
    const first = await env.relay({}, { store });
    const caseId = await openCase(env.sandbox, conversation("restart"));
    env.sandbox.assignAgent(caseId);
    await first.pollOnce();
    await first.close();
    env.sandbox.closeCase(caseId);
    const second = await env.relay({}, { store });
    await second.pollOnce();
    expect(injects().map((c) => c.body.data?.cxone?.event)).toEqual(["agentJoined", "ended"]);
  });

  test("without CXone credentials the relay still delivers replies; polling is off", async () => {
    const relay = await env.relay({ cxone: undefined });
    expect(relay.caseEvents).toBeUndefined();
    expect(await relay.pollOnce()).toMatchObject({ skipped: true });
    const health = (await (await fetch(`${relay.url}/health`)).json()) as { caseEvents: string };
    expect(health.caseEvents).toBe("off");
  });
});
