import { bearer, post } from "../../test/support/http";
import { conversation, endEarlierCases, openCase, useRelayEnv } from "../../test/support/relay";
import { MemoryStore } from "./store";

const env = useRelayEnv();

// Cases of earlier tests are long over: a fresh relay must see them neither open nor recently closed.
beforeEach(() => endEarlierCases(env.sandbox));

/** Handovers opened one second apart, the newest a minute ago (as in a contact center, not all in one millisecond). */
function openedOverTime(caseIds: string[]) {
  caseIds.forEach((id, i) => {
    const c = env.sandbox.cases.get(id)!;
    const at = Date.now() - 60_000 - (caseIds.length - i) * 1000;
    c.statusUpdatedAt = new Date(at).toISOString();
    c.updatedAt = at;
  });
}

const injects = (event?: string, urlToken?: string) => env.cognigy.delivered({ route: "inject", event, urlToken });
const searches = () => env.sandbox.requestCount({ method: "GET", path: /^\/dfo\/3\.0\/contacts$/ });
const caseGets = () => env.sandbox.requestCount({ method: "GET", path: /^\/dfo\/3\.0\/contacts\/[^/]+$/ });

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

  test("a case opened and closed between two polls still resumes its conversation, once", async () => {
    const relay = await env.relay();
    const ref = conversation("quick-close");
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId, "1001");
    env.sandbox.closeCase(caseId, "resolved");
    // The open list never showed it; the periodic sweep of recently closed cases does.
    for (let i = 0; i < 12; i++) await relay.pollOnce();
    const resolved = injects("ended", ref.urlToken);
    expect(resolved).toHaveLength(1);
    expect(resolved[0].body).toMatchObject({
      userId: ref.userId,
      data: { cxone: { event: "ended", contactId: caseId } },
    });
  });

  test("agent assigned → one agentJoined inject with name and avatar, however often it polls", async () => {
    const relay = await env.relay();
    const ref = conversation("join");
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    expect(injects()).toHaveLength(0);
    env.sandbox.assignAgent(caseId, "1001");
    env.sandbox.resetRequests();
    const report = await relay.pollOnce();
    expect(report.events).toEqual([`agentJoined:${caseId}`]);
    await relay.pollOnce();
    await relay.pollOnce();
    // Two searches per poll (the newest-updated read, one reconciliation page); nothing per conversation.
    expect(searches()).toBe(6);
    expect(caseGets()).toBe(0);
    expect(injects()).toHaveLength(1);
    expect(injects()[0]).toMatchObject({
      urlToken: ref.urlToken,
      body: {
        userId: ref.userId,
        sessionId: ref.sessionId,
        text: "",
        data: {
          cxone: {
            event: "agentJoined",
            contactId: caseId,
            agent: { id: "1001", name: "Anna", avatarUrl: "https://example.invalid/anna.png" },
          },
        },
      },
    });
    // No agent details were asked for: no "You are now chatting with" message.
    expect(env.cognigy.delivered({ route: "notify" })).toHaveLength(0);
  });

  test("an agent picture that is not http(s) reaches no event and no Webchat override", async () => {
    const relay = await env.relay();
    const ref = conversation("bad-avatar", { displayAgentDetails: true });
    const caseId = await openCase(env.sandbox, ref);
    const c = env.sandbox.assignAgent(caseId, "1002");
    c.inboxAssigneeUser = { ...c.inboxAssigneeUser!, imageUrl: "data:text/html,<script>x</script>" };
    expect((await relay.pollOnce()).events).toEqual([`agentJoined:${caseId}`, `agentDetails:${caseId}`]);
    const [joined] = injects("agentJoined", ref.urlToken);
    expect(joined.body.data?.cxone?.agent).toEqual({ id: "1002", name: "Ben" });
    const [notice] = env.cognigy.delivered({ route: "notify", event: "agentDetails", urlToken: ref.urlToken });
    expect(notice.body.text).toBe("You are now chatting with Ben");
    expect(JSON.stringify([joined.body, notice.body])).not.toMatch(/data:text|botAvatarOverride/);
  });

  test("with agent details: a Notify 'You are now chatting with …' once per agent, again after a transfer", async () => {
    const relay = await env.relay();
    const ref = conversation("details", { displayAgentDetails: true });
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId, "1002");
    await relay.pollOnce();
    await relay.pollOnce();
    env.sandbox.assignAgent(caseId, "1001");
    await relay.pollOnce();
    await relay.pollOnce();
    const notifies = env.cognigy.delivered({ route: "notify", event: "agentDetails" });
    expect(notifies.map((n) => n.body.text)).toEqual([
      "You are now chatting with Ben",
      "You are now chatting with Anna",
    ]);
    expect(notifies[0].body.data?.cxone).toEqual({
      event: "agentDetails",
      contactId: caseId,
      agent: { id: "1002", name: "Ben", avatarUrl: "https://example.invalid/ben.png" },
    });
    expect(injects("agentJoined").map((c) => (c.body.data?.cxone?.agent as { id?: string } | undefined)?.id)).toEqual([
      "1002",
      "1001",
    ]);
  });

  test.each(["unchanged", "new", "escalated"] as const)(
    "transfer is agentJoined, never ended; back to the queue (status %s after unassign) is one requeued",
    async (statusAfterUnassign) => {
      env.sandbox.behaviour.statusAfterUnassign = statusAfterUnassign;
      try {
        const relay = await env.relay();
        const caseId = await openCase(env.sandbox, conversation(`requeue-${statusAfterUnassign}`));
        env.sandbox.assignAgent(caseId, "1001");
        await relay.pollOnce();
        env.sandbox.assignAgent(caseId, "1002");
        await relay.pollOnce();
        env.sandbox.unassignAgent(caseId);
        for (let i = 0; i < 3; i++) await relay.pollOnce();
        env.sandbox.assignAgent(caseId, "1001");
        await relay.pollOnce();
        expect(
          injects().map(
            (c) =>
              `${c.body.data?.cxone?.event}:${(c.body.data?.cxone?.agent as { id?: string } | undefined)?.id ?? ""}`,
          ),
        ).toEqual(["agentJoined:1001", "agentJoined:1002", "requeued:", "agentJoined:1001"]);
        expect(injects("requeued")[0].body.data).toEqual({ cxone: { event: "requeued", contactId: caseId } });
        expect(injects("ended")).toHaveLength(0);
      } finally {
        env.sandbox.behaviour.statusAfterUnassign = "unchanged";
      }
    },
  );

  test.each([
    ["resolved", "1001", "resolved"],
    ["closed", "1001", "closed"],
    ["closed", undefined, "closedInCxone"],
    ["trashed", "1001", "closedInCxone"],
    ["gone", "1001", "caseGone"],
  ] as const)(
    "a case %s (agent %s) ends with one ended event, reason %s, with its custom fields",
    async (how, agent, reason) => {
      const relay = await env.relay();
      const ref = conversation(`end-${how}-${agent ?? "none"}`);
      const caseId = await openCase(env.sandbox, ref);
      const c = env.sandbox.cases.get(caseId)!;
      c.customFields = [{ ident: "disposition", value: "refund" }];
      if (agent) env.sandbox.assignAgent(caseId, agent);
      await relay.pollOnce();
      if (how === "gone") env.sandbox.cases.delete(caseId);
      else if (how === "trashed") {
        c.status = "trashed";
        c.statusUpdatedAt = new Date().toISOString();
        c.updatedAt = Date.now();
      } else env.sandbox.closeCase(caseId, how);
      // The reconciliation finds a vanished case only after a full cycle over the open list.
      for (let i = 0; i < 12; i++) await relay.pollOnce();
      const ended = injects("ended", ref.urlToken);
      expect(ended).toHaveLength(1);
      expect(ended[0].body.data?.cxone).toEqual({
        event: "ended",
        reason,
        contactId: caseId,
        ...(agent && how !== "gone"
          ? { agent: { id: agent, name: "Anna", avatarUrl: "https://example.invalid/anna.png" } }
          : {}),
        ...(how !== "gone" ? { caseFields: { disposition: "refund" } } : {}),
      });
    },
  );

  test("agent closes → exactly one resolved inject, for that conversation only, read from the newest-updated list", async () => {
    const relay = await env.relay();
    const refs = [1, 2, 3].map((n) => conversation(`close${n}`));
    const cases = [];
    for (const ref of refs) cases.push(await openCase(env.sandbox, ref));
    for (const c of cases) env.sandbox.assignAgent(c);
    await relay.pollOnce();
    env.sandbox.closeCase(cases[1]);
    env.sandbox.resetRequests();
    const report = await relay.pollOnce();
    expect(report.events).toEqual([`ended:${cases[1]}`]);
    // The search reads closed statuses too: the close needs no get-contact.
    expect(caseGets()).toBe(0);
    await relay.pollOnce();
    await relay.pollOnce();
    expect(injects("ended")).toHaveLength(1);
    expect(injects("ended")[0]).toMatchObject({
      urlToken: refs[1].urlToken,
      body: {
        userId: refs[1].userId,
        sessionId: refs[1].sessionId,
        data: { cxone: { event: "ended", contactId: cases[1] } },
      },
    });
    // "closed" (rather than "resolved") ends a case too; the others stay untouched.
    env.sandbox.closeCase(cases[2], "closed");
    await relay.pollOnce();
    expect(injects("ended").map((c) => c.urlToken)).toEqual([refs[1].urlToken, refs[2].urlToken]);
    expect(injects("ended", refs[0].urlToken)).toHaveLength(0);
  });

  test("a case closed before any agent joined, or gone from CXone, is resolved once", async () => {
    const relay = await env.relay();
    const queued = await openCase(env.sandbox, conversation("queued"));
    const gone = await openCase(env.sandbox, conversation("gone"));
    await relay.pollOnce();
    env.sandbox.closeCase(queued, "closed");
    env.sandbox.cases.delete(gone);
    // The gone case: missing from a reconciliation pass, not found open by the confirming search, then one
    // get-contact (404) — three polls with this one-page list.
    for (let i = 0; i < 3; i++) await relay.pollOnce();
    expect(
      injects("ended")
        .map((c) => c.body.data?.cxone?.contactId)
        .sort(),
    ).toEqual([queued, gone].sort());
  });

  test("a CXone bot user holding the case is not an agent joining", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("bot"));
    const c = env.sandbox.cases.get(caseId)!;
    c.inboxAssigneeUser = { id: "9", firstName: "Virtual", surname: "Agent", isBotUser: true };
    c.status = "open";
    await relay.pollOnce();
    expect(injects()).toHaveLength(0);
    env.sandbox.assignAgent(caseId, "1001");
    await relay.pollOnce();
    expect(injects("agentJoined")).toHaveLength(1);
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
    openedOverTime(cases);
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

describe("case events by push (Studio script on ONRELEASE)", () => {
  test("authenticated; confirmed with CXone; resolves once even together with polling", async () => {
    const relay = await env.relay();
    const ref = conversation("push");
    const caseId = await openCase(env.sandbox, ref);
    const push = async (body: unknown, auth: Record<string, string> = {}) => {
      const { status, body: answer } = await post(`${relay.boxUrl}/1.0/events`, body, auth);
      return { status, body: answer };
    };
    expect((await push({ contactId: caseId })).status).toBe(401);
    const auth = await bearer(relay.boxUrl);
    // A push for a case still open injects nothing but what its state says (no agent yet: nothing).
    expect(await push({ contactId: caseId, event: "ONRELEASE" }, auth)).toEqual({
      status: 200,
      body: { contactId: caseId, status: "new", events: [] },
    });
    // Closed and assigned between two polls: the poll would never have seen it open with an agent.
    env.sandbox.assignAgent(caseId);
    env.sandbox.closeCase(caseId);
    const pushed = await push({ contactId: caseId, event: "ONRELEASE" }, auth);
    expect(pushed.body.events).toEqual([`ended:${caseId}`]);
    await push({ contactId: caseId }, auth);
    await relay.pollOnce();
    expect(injects("ended")).toHaveLength(1);
    expect((await push({ contactId: "no-such-case" }, auth)).status).toBe(404);
    expect((await push({ nothing: true }, auth)).status).toBe(400);
  });
});
