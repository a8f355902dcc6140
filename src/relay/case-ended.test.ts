// Case events when a case ends: closed, resolved, trashed or gone, found by polling or pushed by a Studio script, once.
import { bearer, post } from "../../test/support/http";
import { conversation, openCase, useCaseEventsEnv } from "../../test/support/relay";

const { env, injects, caseGets } = useCaseEventsEnv();

describe("case events by polling", () => {
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
