import { conversation, endEarlierCases, logSink, openCase, useRelayEnv } from "../../test/support/relay";
import * as events from "../handover/events";
import type { ConversationRef } from "../handover/thread";
import {
  DEFAULT_ALTERNATIVE_TEXT,
  DEFAULT_QUEUE_UPDATE_TEXT,
  type QueueUpdateSettings,
} from "../handover/wait-settings";
import { INACTIVITY_TIMERS } from "./inactivity";
import { QUEUED_CASES } from "./queue-updates";
import { MAX_PERMANENT_FAILURES } from "./refusals";
import { MemoryStore } from "./store";

// Queue updates and inactivity send into Cognigy on every poll: a conversation Cognigy refuses (4xx) must cost a
// bounded number of calls and one loud log line, and leave the other conversations alone; a 5xx is still retried.
const env = useRelayEnv();

beforeEach(() => endEarlierCases(env.sandbox));

let clock = Date.now();
const now = () => clock;
beforeEach(() => {
  clock = Date.now();
});

const queue = (over: Partial<QueueUpdateSettings> = {}): QueueUpdateSettings => ({
  position: true,
  estimatedWait: false,
  intervalSeconds: 30,
  text: DEFAULT_QUEUE_UPDATE_TEXT,
  alternativeText: DEFAULT_ALTERNATIVE_TEXT,
  ...over,
});

const calls = (ref: ConversationRef, route: "notify" | "inject", event: string) =>
  env.cognigy.calls.filter(
    (c) => c.urlToken === ref.urlToken && c.route === route && c.body.data?.cxone?.event === event,
  );
const delivered = (ref: ConversationRef, route: "notify" | "inject", event: string) =>
  env.cognigy.delivered({ route, event, urlToken: ref.urlToken });

async function relayWithLog() {
  const { lines, options } = logSink();
  const store = new MemoryStore();
  const relay = await env.relay({ logLevel: "debug" }, { ...options, store, now });
  /** Lines at warn or above that mention the case. */
  const loud = (caseId: string) =>
    lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; event?: string })
      .filter((e) => e.level >= 40 && JSON.stringify(e).includes(caseId));
  const metric = async (event: string, outcome: string) => {
    const text = await relay.metrics.registry.getSingleMetricAsString("relay_case_events_total");
    return Number(text.match(new RegExp(`event="${event}",outcome="${outcome}"} (\\d+)`))?.[1] ?? 0);
  };
  return { relay, store, lines, loud, metric };
}

/** No text the user sees, and no id of the user's conversation, in any log line. */
function expectNothingOfTheUser(lines: string[], ref: ConversationRef, texts: string[]) {
  const all = lines.join("");
  for (const secret of [ref.userId, ref.sessionId, ref.urlToken, ...texts]) expect(all).not.toContain(secret);
}

describe("queue updates", () => {
  test("a conversation Cognigy refuses (4xx) gets no more updates after the bound, logged once; the others go on", async () => {
    const { relay, store, lines, loud, metric } = await relayWithLog();
    const refused = conversation("qr-refused", { wait: { queue: queue() } });
    const fine = conversation("qr-fine", { wait: { queue: queue() } });
    const refusedCase = await openCase(env.sandbox, refused);
    const fineCase = await openCase(env.sandbox, fine);
    env.sandbox.cases.get(refusedCase)!.createdAt = new Date(clock - 5000).toISOString();
    env.cognigy.failFor(refused.urlToken, 400, 100);

    for (let i = 0; i < MAX_PERMANENT_FAILURES + 3; i++) {
      await relay.pollOnce();
      clock += 30_000;
    }
    expect(calls(refused, "notify", "queueUpdate")).toHaveLength(MAX_PERMANENT_FAILURES);
    expect(await metric("queueUpdate", "gave_up")).toBe(1);
    expect(JSON.parse((await store.hashGet(QUEUED_CASES, refusedCase)) ?? "{}")).toMatchObject({ givenUp: true });
    // The other conversation: an update every interval, and the refused case still ahead of it in the queue.
    const updates = delivered(fine, "notify", "queueUpdate");
    expect(updates).toHaveLength(MAX_PERMANENT_FAILURES + 3);
    expect(updates.every((u) => u.body.text === "You are number 2 in the queue.")).toBe(true);
    expect(loud(refusedCase)).toEqual([
      expect.objectContaining({ level: 50, event: "queueUpdate", msg: expect.stringContaining("refused by Cognigy") }),
    ]);
    expect(loud(fineCase)).toEqual([]);
    expectNothingOfTheUser(lines, refused, ["You are number"]);
  });

  test("a queue update the relay built malformed is a programmer error for that case only: logged once, given up", async () => {
    const { relay, lines, loud, metric } = await relayWithLog();
    const buggy = conversation("qm-buggy", { wait: { queue: queue() } });
    const fine = conversation("qm-fine", { wait: { queue: queue() } });
    const buggyCase = await openCase(env.sandbox, buggy);
    env.sandbox.cases.get(buggyCase)!.createdAt = new Date(clock - 5000).toISOString();
    await openCase(env.sandbox, fine);
    // A relay bug, simulated: that case's update comes out with a position of 0, which the event schema refuses.
    const real = events.checkRelayEvent;
    const check = jest.spyOn(events, "checkRelayEvent").mockImplementation((e) => {
      const bent = e.event === "queueUpdate" && "contactId" in e && e.contactId === buggyCase;
      return real(bent ? { ...e, position: 0 } : e);
    });
    try {
      const reports = [];
      for (let i = 0; i < MAX_PERMANENT_FAILURES + 2; i++) {
        reports.push(await relay.pollOnce());
        clock += 30_000;
      }
      // Not a failed poll, and the other case's updates go on: the bug no longer stops the whole queue step.
      expect(reports.map((r) => r.error)).toEqual(Array(MAX_PERMANENT_FAILURES + 2).fill(undefined));
      expect(delivered(fine, "notify", "queueUpdate")).toHaveLength(MAX_PERMANENT_FAILURES + 2);
      expect(env.cognigy.calls.filter((c) => c.urlToken === buggy.urlToken)).toEqual([]);
      expect(await metric("queueUpdate", "gave_up")).toBe(1);
      expect(loud(buggyCase)).toEqual([
        expect.objectContaining({
          level: 50,
          msg: expect.stringContaining("programmer error"),
          problem:
            "the relay built a malformed queueUpdate event (position: Number must be greater than or equal to 1)",
        }),
      ]);
      expectNothingOfTheUser(lines, buggy, ["You are number"]);
    } finally {
      check.mockRestore();
    }
  });

  test("a refused queueTooLong is given up once (not sent again) and ordinary updates follow; a 5xx is retried and delivered", async () => {
    const { relay, store, loud, metric } = await relayWithLog();
    const ahead = await openCase(env.sandbox, conversation("qt-ahead"));
    env.sandbox.cases.get(ahead)!.createdAt = new Date(clock - 5000).toISOString();
    const settings = { wait: { queue: queue({ maxPosition: 1, alternativeText: "Long wait!" }) } };
    const refused = conversation("qt-refused", settings);
    const flaky = conversation("qt-flaky", settings);
    const refusedCase = await openCase(env.sandbox, refused);
    await openCase(env.sandbox, flaky);
    env.cognigy.failFor(refused.urlToken, 404, MAX_PERMANENT_FAILURES, "inject");
    env.cognigy.failFor(flaky.urlToken, 503, 3, "inject");

    for (let i = 0; i < MAX_PERMANENT_FAILURES + 2; i++) await relay.pollOnce();
    // The alternative text once each; the refused inject given up after the bound, the flaky one delivered.
    for (const ref of [refused, flaky]) {
      expect(delivered(ref, "notify", "queueUpdate").map((u) => u.body.text)).toEqual(["Long wait!"]);
    }
    expect(calls(refused, "inject", "queueTooLong")).toHaveLength(MAX_PERMANENT_FAILURES);
    expect(delivered(refused, "inject", "queueTooLong")).toHaveLength(0);
    expect(calls(flaky, "inject", "queueTooLong").map((c) => c.status)).toEqual([503, 503, 503, 200]);
    expect(await metric("queueTooLong", "gave_up")).toBe(1);
    expect(await metric("queueTooLong", "injected")).toBe(1);
    expect(loud(refusedCase).filter((e) => e.level >= 50)).toHaveLength(1);
    expect(JSON.parse((await store.hashGet(QUEUED_CASES, refusedCase)) ?? "{}")).toMatchObject({ tooLong: 2 });

    // Given up means done: the next interval brings an ordinary update, no second alternative or queueTooLong.
    clock += 30_000;
    await relay.pollOnce();
    expect(delivered(refused, "notify", "queueUpdate").map((u) => u.body.text)).toEqual([
      "Long wait!",
      "You are number 2 in the queue.",
    ]);
    expect(calls(refused, "inject", "queueTooLong")).toHaveLength(MAX_PERMANENT_FAILURES);
  });
});

describe("inactivity", () => {
  const inactivity = { timeoutSeconds: 600, message: "Ended: nobody wrote.", warning: "One more minute." };

  test("a conversation Cognigy refuses still ends in CXone; warning, message and inject each given up after the bound", async () => {
    const { relay, store, lines, loud, metric } = await relayWithLog();
    const refused = conversation("ir-refused", { wait: { inactivity } });
    const fine = conversation("ir-fine", { wait: { inactivity } });
    const refusedCase = await openCase(env.sandbox, refused);
    const fineCase = await openCase(env.sandbox, fine);
    await relay.pollOnce();
    env.cognigy.failFor(refused.urlToken, 400, 100);

    // Warning due: refused polls in a row, then given up; the other conversation is warned once.
    clock += 541_000;
    for (let i = 0; i < MAX_PERMANENT_FAILURES + 1; i++) await relay.pollOnce();
    expect(calls(refused, "notify", "inactivityWarning")).toHaveLength(MAX_PERMANENT_FAILURES);
    expect(delivered(fine, "notify", "inactivityWarning")).toHaveLength(1);
    expect(await metric("inactivityWarning", "gave_up")).toBe(1);

    // Timed out: both cases end in CXone whatever Cognigy answers; the message and the inject are bounded too.
    clock += 60_000;
    for (let i = 0; i < 2 * MAX_PERMANENT_FAILURES + 2; i++) await relay.pollOnce();
    for (const id of [refusedCase, fineCase]) expect(env.sandbox.cases.get(id)!.status).toBe("closed");
    expect(calls(refused, "notify", "ended")).toHaveLength(MAX_PERMANENT_FAILURES);
    expect(calls(refused, "inject", "ended")).toHaveLength(MAX_PERMANENT_FAILURES);
    expect(await metric("ended", "gave_up")).toBe(2);
    expect(await store.hashGet(INACTIVITY_TIMERS, refusedCase)).toBeUndefined();
    expect(delivered(fine, "notify", "ended").map((c) => c.body.text)).toEqual(["Ended: nobody wrote."]);
    expect(delivered(fine, "inject", "ended")).toHaveLength(1);

    // One loud line per refused event, none for the conversation Cognigy served.
    expect(loud(refusedCase).map((e) => [e.level, e.event])).toEqual([
      [50, "inactivityWarning"],
      [50, "ended"],
      [50, "ended"],
    ]);
    expect(loud(fineCase)).toEqual([]);
    expectNothingOfTheUser(lines, refused, [inactivity.message, inactivity.warning]);
  });

  test("a 5xx on the ended inject is retried and delivered once", async () => {
    const { relay, metric } = await relayWithLog();
    const ref = conversation("ir-flaky", { wait: { inactivity: { timeoutSeconds: 120, message: "Bye." } } });
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    env.cognigy.failFor(ref.urlToken, 502, 3, "inject");
    clock += 121_000;
    for (let i = 0; i < 5; i++) await relay.pollOnce();
    expect(env.sandbox.cases.get(caseId)!.status).toBe("closed");
    expect(calls(ref, "inject", "ended").map((c) => c.status)).toEqual([502, 502, 502, 200]);
    expect(delivered(ref, "notify", "ended")).toHaveLength(1);
    expect(await metric("ended", "gave_up")).toBe(0);
  });
});
