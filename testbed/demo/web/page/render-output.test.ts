import { readOutput } from "./render-output";

/** The page draws Cognigy's standard outputs as Webchat v3 does (cognigy-runtime.md, Platform facts). */

describe("reading a Cognigy output the way Webchat v3 does", () => {
  it("a flow output is the bot's, with the bot avatar override", () => {
    expect(
      readOutput({ text: "Hello", data: { _webchat: { botAvatarOverrideUrl: "https://example.com/bot.png" } } }),
    ).toEqual({
      kind: "message",
      from: "bot",
      text: "Hello",
      avatarUrl: "https://example.com/bot.png",
      quickReplies: [],
      attachments: [],
    });
  });

  it("quick replies come from _cognigy._webchat first, else from _cognigy._default, the payload being what a tap sends", () => {
    const webchat = readOutput({
      text: "",
      data: {
        _cognigy: {
          _webchat: {
            message: {
              text: "Did that help?",
              quick_replies: [
                { content_type: "text", title: "Yes", payload: "yes-payload", image_url: "https://x/y.png" },
              ],
            },
          },
          _default: { _quickReplies: { text: "ignored", quickReplies: [{ title: "No", payload: "no" }] } },
        },
      },
    });
    expect(webchat).toMatchObject({
      kind: "message",
      text: "Did that help?",
      quickReplies: [{ title: "Yes", payload: "yes-payload", imageUrl: "https://x/y.png" }],
    });
    const fallback = readOutput({
      text: "Pick one",
      data: {
        _cognigy: {
          _default: {
            _quickReplies: {
              type: "quick_replies",
              text: "Pick one",
              quickReplies: [{ id: 1, contentType: "postback", title: "No", payload: "" }],
            },
          },
        },
      },
    });
    expect(fallback).toMatchObject({ quickReplies: [{ title: "No", payload: "No" }] });
  });

  it("an agent message names the agent (from the message or the last one seen) and keeps its files", () => {
    const anna = { name: "Anna", avatarUrl: "https://example.com/anna.png" };
    expect(
      readOutput({
        text: "Here is the label",
        data: {
          cxone: { event: "agentMessage", agent: anna },
          attachments: [
            { url: "https://example.com/label.png", fileName: "label.png", mimeType: "image/png", size: 2048 },
          ],
        },
      }),
    ).toEqual({
      kind: "message",
      from: "agent",
      text: "Here is the label",
      agent: anna,
      avatarUrl: anna.avatarUrl,
      quickReplies: [],
      attachments: [{ url: "https://example.com/label.png", fileName: "label.png", mimeType: "image/png", size: 2048 }],
    });
    expect(
      readOutput(
        {
          text: "",
          data: { cxone: { event: "agentMessage", attachments: [{ name: "invoice.pdf", url: "https://e/i" }] } },
        },
        anna,
      ),
    ).toMatchObject({ from: "agent", agent: anna, attachments: [{ url: "https://e/i", fileName: "invoice.pdf" }] });
  });

  it("Webchat's per-message name and avatar hooks head an agent message (the relay sets them)", () => {
    expect(
      readOutput({
        text: "Hi",
        data: {
          cxone: { event: "agentMessage" },
          _webchat: { botAvatarOverrideUrl: "https://example.com/a.png", botAvatarOverrideNameOnce: "Anna" },
        },
      }),
    ).toMatchObject({ from: "agent", nameOnce: "Anna", avatarUrl: "https://example.com/a.png" });
  });

  it("live agent events and the relay's notices are chips; an empty notice (agent typing) draws nothing", () => {
    expect(
      readOutput({
        text: "",
        data: { _cognigy: { _webchat3: { type: "liveAgentEvent", payload: { text: "In queue" } } } },
      }),
    ).toEqual({ kind: "chip", text: "In queue" });
    expect(
      readOutput({
        text: "You are now chatting with Anna",
        data: { cxone: { event: "agentDetails", agent: { name: "Anna" } } },
      }),
    ).toEqual({ kind: "chip", text: "You are now chatting with Anna", agent: { name: "Anna", avatarUrl: undefined } });
    expect(readOutput({ text: "", data: { cxone: { event: "agentTyping", typing: true } } })).toEqual({
      kind: "nothing",
    });
    expect(readOutput({ text: "", data: { unknown: 1 } })).toEqual({ kind: "nothing" });
  });
});
