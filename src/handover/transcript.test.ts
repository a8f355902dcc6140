import { REDACTED } from "./pii";
import { buildTranscriptMessages, chunkTranscript, collectTranscript, normalizeTranscript } from "./transcript";

describe("sources", () => {
  test("the Get Transcript output first (input, then context), then lastConversationEntries, then the field", () => {
    const sources = {
      lastConversationEntries: [{ source: "user", text: "a" }],
      inputTranscript: [{ role: "user", payload: { text: "b" } }],
      contextTranscript: "User: c",
      field: [{ source: "bot", text: "d" }],
    };
    expect(collectTranscript(sources).origin).toBe("input.transcript");
    expect(collectTranscript({ ...sources, inputTranscript: undefined }).origin).toBe("context.transcript");
    expect(collectTranscript({ ...sources, inputTranscript: {}, contextTranscript: [] }).origin).toBe(
      "lastConversationEntries",
    );
    expect(collectTranscript({ field: sources.field }).entries).toEqual([{ source: "bot", text: "d" }]);
    expect(collectTranscript(sources, "field").origin).toBe("field");
    expect(collectTranscript({})).toEqual({ entries: [] });
  });

  test("reads the shapes we know and skips what it cannot read", () => {
    expect(
      normalizeTranscript([
        { role: "user", type: "input", payload: { text: " hi " } },
        { role: "assistant", payload: { text: "hello" } },
        { type: "output", text: "typed" },
        { source: "agent", text: "human here" },
        { source: "system", text: "ignored" },
        { source: "user", text: "" },
        null,
        "stray",
      ]),
    ).toEqual([
      { source: "user", text: "hi" },
      { source: "bot", text: "hello" },
      { source: "bot", text: "typed" },
      { source: "agent", text: "human here" },
    ]);
    expect(normalizeTranscript({ entries: [{ source: "user", text: "x" }] })).toEqual([{ source: "user", text: "x" }]);
    expect(normalizeTranscript('[{"source":"bot","text":"json string"}]')).toEqual([
      { source: "bot", text: "json string" },
    ]);
    expect(normalizeTranscript("User: one\ncontinued\nBot: two")).toEqual([
      { source: "user", text: "one\ncontinued" },
      { source: "bot", text: "two" },
    ]);
    expect(normalizeTranscript(42)).toEqual([]);
  });
});

describe("chunkTranscript", () => {
  const lines = (n: number, size = 90) => Array.from({ length: n }, (_, i) => `Customer: ${i} ${"z".repeat(size)}`);

  test("one message when it fits, no part numbers", () => {
    const [only, ...rest] = chunkTranscript(["Customer: hi", "Bot: hello"], {
      maxChars: 4000,
      maxMessages: 5,
      intro: "Customer: Jane",
    });
    expect(rest).toEqual([]);
    expect(only).toBe("Customer: Jane\nConversation with the bot before the handover:\nCustomer: hi\nBot: hello");
  });

  test("packs turns into as few messages as the size allows and never splits a turn", () => {
    const input = lines(30);
    const chunks = chunkTranscript(input, { maxChars: 1000, maxMessages: 10 });
    const total = input.join("\n").length;
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(total / (1000 - 150)) + 1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(1000);
    const back = chunks.flatMap((c) => c.split("\n").slice(1));
    expect(back).toEqual(input);
    expect(chunks[0]).toMatch(/\(part 1\/\d\):/);
  });

  test("drops the oldest turns beyond maxMessages and says so; the newest always go", () => {
    const input = lines(60);
    const chunks = chunkTranscript(input, { maxChars: 1000, maxMessages: 2 });
    expect(chunks).toHaveLength(2);
    const kept = chunks.flatMap((c) => c.split("\n").filter((l) => l.startsWith("Customer: ")));
    expect(kept[kept.length - 1]).toBe(input[59]);
    expect(kept).toEqual(input.slice(60 - kept.length));
    expect(chunks[0]).toContain(`[${60 - kept.length} earlier turns left out]`);
  });

  test("a single turn longer than a message is cut at spaces", () => {
    const long = `Customer: ${"word ".repeat(400)}`;
    const chunks = chunkTranscript([long], { maxChars: 600, maxMessages: 10 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(600);
  });

  test("buildTranscriptMessages labels and masks", () => {
    const [m] = buildTranscriptMessages(
      [
        { source: "user", text: "a@b.io" },
        { source: "bot", text: "ok" },
      ],
      { maxChars: 4000, maxMessages: 5, redact: true },
    );
    expect(m).toContain(`Customer: ${REDACTED.email}\nBot: ok`);
  });
});

describe("Cognigy's order and shapes", () => {
  test("lastConversationEntries comes newest first (index 0 = the current input): the agent reads it oldest first", () => {
    // As Cognigy passes it: the request for an agent is index 0.
    const newestFirst = [
      { source: "user", text: "I want a human" },
      { source: "bot", text: "We're open 9-17" },
      { source: "user", text: "When are you open?" },
    ];
    expect(collectTranscript({ lastConversationEntries: newestFirst }).entries).toEqual([
      { source: "user", text: "When are you open?" },
      { source: "bot", text: "We're open 9-17" },
      { source: "user", text: "I want a human" },
    ]);
    expect(newestFirst[0].text).toBe("I want a human"); // the platform's array is not reordered in place
  });

  test("Get Transcript items are read in timestamp order, with payload.textAlternative where there is no text", () => {
    const items = [
      {
        role: "assistant",
        type: "output",
        source: "bot",
        timestamp: "2026-01-01T10:00:02.000Z",
        payload: { text: "b" },
      },
      { role: "user", type: "input", source: "user", timestamp: "2026-01-01T10:00:01.000Z", payload: { text: "a" } },
      {
        role: "assistant",
        type: "output",
        source: "bot",
        timestamp: "2026-01-01T10:00:03.000Z",
        payload: { data: { _cognigy: {} }, textAlternative: "Gallery: Red shoes, Blue shoes" },
      },
    ];
    expect(collectTranscript({ inputTranscript: items }).entries).toEqual([
      { source: "user", text: "a" },
      { source: "bot", text: "b" },
      { source: "bot", text: "Gallery: Red shoes, Blue shoes" },
    ]);
  });

  test("a data-only input's implicit DATA_ONLY_MESSAGE_ text is no turn", () => {
    const entries = [
      { source: "user", text: "DATA_ONLY_MESSAGE_a1b2c3d4e5f6g7h8i9j0" },
      { source: "bot", text: "Thanks for the upload" },
    ];
    expect(collectTranscript({ lastConversationEntries: entries }).entries).toEqual([
      { source: "bot", text: "Thanks for the upload" },
    ]);
  });

  test("shortened, the transcript keeps the newest turns (the request for an agent) and says what was left out", () => {
    const newestFirst = Array.from({ length: 60 }, (_, i) => ({
      source: i % 2 ? "bot" : "user",
      text: `turn ${59 - i} ${"x".repeat(90)}`,
    }));
    newestFirst[0] = { source: "user", text: "turn 59: please get me an agent" };
    const { entries } = collectTranscript({ lastConversationEntries: newestFirst });
    const chunks = buildTranscriptMessages(entries, { maxChars: 1000, maxMessages: 2, redact: false });
    const all = chunks.join("\n");
    expect(chunks[chunks.length - 1].endsWith("Customer: turn 59: please get me an agent")).toBe(true);
    expect(all).not.toContain("turn 0 ");
    expect(chunks[0]).toMatch(/\[\d+ earlier turns left out\]/);
  });
});
