// Case events about agents: an agent joins, is announced, is transferred, hands the case back to the queue.
import { conversation, openCase, useCaseEventsEnv } from "../../test/support/relay";

const { env, injects, searches, caseGets } = useCaseEventsEnv();

describe("case events by polling", () => {
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
});
