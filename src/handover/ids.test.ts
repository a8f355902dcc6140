import { inputTag, newHandoverId, openingMessageId, transcriptMessageId, userMessageId } from "./ids";

describe("ids", () => {
  test("a handover id is stable for one input and differs between inputs and sessions", () => {
    const ref = { userId: "u", sessionId: "s", inputId: "i-1" };
    expect(newHandoverId(ref)).toBe(newHandoverId({ ...ref }));
    expect(newHandoverId(ref)).not.toBe(newHandoverId({ ...ref, inputId: "i-2" }));
    expect(newHandoverId(ref)).not.toBe(newHandoverId({ ...ref, sessionId: "s2" }));
    expect(newHandoverId(ref)).toMatch(/^h[A-Za-z0-9_-]{15}$/);
  });

  test("without an input id every handover id is new", () => {
    const ids = new Set(Array.from({ length: 50 }, () => newHandoverId({ userId: "u", sessionId: "s" })));
    expect(ids.size).toBe(50);
  });

  test("transcript and opening ids", () => {
    expect(transcriptMessageId("h1", 0)).toBe("h1:t:0");
    expect(transcriptMessageId("h1", 2, "b")).toBe("h1:t:b:2");
    expect(openingMessageId("h1")).toBe("h1:open");
  });

  test("user message ids: from the input id, else from thread + position + text", () => {
    const base = { handoverId: "h1", threadId: "t", sent: 3, text: "hi" };
    expect(userMessageId({ ...base, inputId: "x" })).toBe(
      userMessageId({ ...base, sent: 9, text: "other", inputId: "x" }),
    );
    expect(userMessageId({ ...base, inputId: "x" })).not.toBe(userMessageId({ ...base, inputId: "y" }));
    expect(userMessageId(base)).toBe(userMessageId({ ...base }));
    expect(userMessageId(base)).not.toBe(userMessageId({ ...base, sent: 4 }));
    expect(userMessageId(base)).not.toBe(userMessageId({ ...base, text: "hi!" }));
    expect(userMessageId(base)).toMatch(/^h1:u:/);
  });

  test("input tags", () => {
    expect(inputTag("a", "f")).toBe(inputTag("a", "g"));
    expect(inputTag(undefined, "f")).toBe(inputTag("", "f"));
    expect(inputTag("a", "f")).not.toBe(inputTag("b", "f"));
  });
});
