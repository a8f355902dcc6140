import { agentContent, plainText, unshownNotice, webchatFiles } from "./agent-content";

describe("agent content for the user", () => {
  test("plain text stays as it is, even with a stray angle bracket", () => {
    expect(agentContent({ type: "TEXT", payload: { text: "if a < b then c > d" } })).toEqual({
      text: "if a < b then c > d",
    });
  });

  test("a channel declared html is converted even without a recognisable tag; plain is never touched", () => {
    expect(plainText("Tom &amp; Jerry<br>next", "html")).toBe("Tom & Jerry\nnext");
    expect(plainText("<b>literal</b>", "plain")).toBe("<b>literal</b>");
  });

  test("quick replies without usable actions fall back to the agent's fallbackText", () => {
    const out = agentContent({
      type: "QUICK_REPLIES",
      payload: { text: { content: "Choose" }, actions: [{ type: "REPLY_BUTTON" }] },
      fallbackText: "Choose: call us",
    });
    expect(out).toEqual({ text: "Choose: call us" });
  });

  test("a rich link without a usable URL is its title or fallback, never a card", () => {
    expect(agentContent({ type: "RICH_LINK", payload: { title: { content: "Guide" }, url: "ftp://x" } })).toEqual({
      text: "Guide",
    });
  });

  test("a type NiCE adds later, with nothing readable, still says something", () => {
    expect(agentContent({ type: "HOLOGRAM", payload: {} }).text).toBe(
      "The agent sent a message that this chat cannot show.",
    );
  });

  test("a FILE without fallback leaves the text to its attachments; empty, the caller says a file arrived", () => {
    expect(agentContent({ type: "FILE", payload: {} })).toEqual({ text: "" });
    expect(unshownNotice("file")).toBe("The agent sent a file that this chat cannot show.");
  });

  test("files: the mime type CXone gave wins over the name; upper-case is normalised", () => {
    expect(webchatFiles([{ url: "https://f.example/x.bin", name: "x.bin", mimeType: "IMAGE/PNG", size: 12 }])).toEqual([
      { url: "https://f.example/x.bin", fileName: "x.bin", mimeType: "image/png", size: 12 },
    ]);
  });
});
