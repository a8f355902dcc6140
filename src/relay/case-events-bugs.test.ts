import { conversation, endEarlierCases, logSink, openCase, useRelayEnv } from "../../test/support/relay";
import * as agentName from "../handover/agent-name";
import { EVENTS_TO_RETRY } from "./case-state";
import { MemoryStore } from "./store";

// A relay bug on the poll path: an event the relay builds malformed must cost a bounded number of polls and log lines.
const env = useRelayEnv();

beforeEach(() => endEarlierCases(env.sandbox));

test("a malformed event a poll built is a programmer error logged once, given up after a few polls; other cases go on", async () => {
  // A relay bug, simulated: agent 1002's id comes out empty, so that case's agentJoined fails the event schema.
  const real = agentName.identifiedAgentOf;
  const build = jest.spyOn(agentName, "identifiedAgentOf").mockImplementation((user) => {
    const agent = real(user);
    return agent && user.id === "1002" ? { ...agent, id: "" } : agent;
  });
  try {
    const { lines, options } = logSink();
    const store = new MemoryStore();
    const relay = await env.relay({ logLevel: "debug" }, { ...options, store });
    const buggy = conversation("bug-on-poll");
    const buggyCase = await openCase(env.sandbox, buggy, true);
    env.sandbox.assignAgent(buggyCase, "1002");
    const fine = conversation("fine-on-poll");
    const fineCase = await openCase(env.sandbox, fine, true);
    env.sandbox.assignAgent(fineCase, "1001");

    const reports = [];
    for (let i = 0; i < 8; i++) reports.push(await relay.pollOnce());
    // Not a failed poll: the case is counted, not retried as an error.
    expect(reports.map((r) => r.error)).toEqual(Array(8).fill(undefined));
    expect(reports[0].events).toEqual([`agentJoined:${fineCase}`]);
    expect(reports.slice(1).flatMap((r) => r.events)).toEqual([]);
    expect(env.cognigy.calls.map((c) => c.urlToken)).toEqual([fine.urlToken]);
    expect(await relay.metrics.registry.getSingleMetricAsString("relay_case_events_total")).toContain(
      'event="agentJoined",outcome="gave_up"} 1',
    );
    // Given up: no longer retried, and the case is not read as needing work again.
    expect(await store.hashGet(EVENTS_TO_RETRY, buggyCase)).toBeUndefined();
    const tail = lines.length;
    await relay.pollOnce();
    expect(lines.slice(tail).join("")).not.toContain(buggyCase);

    const entries = lines.map((l) => JSON.parse(l) as { level: number; msg: string; problem?: string });
    const loud = entries.filter((e) => e.level >= 40 && JSON.stringify(e).includes(buggyCase));
    expect(loud).toEqual([
      expect.objectContaining({
        level: 50,
        msg: expect.stringContaining("programmer error"),
        problem:
          "the relay built a malformed agentJoined event (agent.id: String must contain at least 1 character(s))",
      }),
    ]);
    // Field names only: neither the agent nor the conversation.
    expect(lines.join("")).not.toMatch(/"problem":"[^"]*(Ben|1002|bug-on-poll)/);
  } finally {
    build.mockRestore();
  }
});
