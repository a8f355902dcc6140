import { DEFAULT_BEHAVIOUR } from "../testbed/sandbox/cxone-sandbox";
import { conversation, openCase, useRelayEnv } from "./support/relay";

/**
 * The relay under every reading of what NiCE leaves undocumented on the BYOC side (what the legacy postId is, which
 * content types reach a BYOC channel, contacts with only their required fields), and what the user then sees.
 */

const env = useRelayEnv();

beforeEach(() => {
  env.sandbox.behaviour = { ...DEFAULT_BEHAVIOUR };
  for (const c of env.sandbox.cases.values()) c.status = "trashed";
});

const notifies = (urlToken: string) => env.cognigy.delivered({ route: "notify", event: "agentMessage", urlToken });

/** A case on a thread that is not one of ours (another integration on the same channel). */
function foreignCase(): string {
  const [id] = env.sandbox.createCases([{ threadId: "some-other-integration-thread", endUserId: "someone-else" }]);
  env.sandbox.cases.get(id)!.status = "open";
  return id;
}

describe.each(["thread", "cxone-post", "cxone-thread"] as const)("legacy reply with postId reading %s", (reading) => {
  test("the reply reaches the conversation our thread id names", async () => {
    const relay = await env.relay();
    const ref = conversation(`legacy-${reading}`);
    const caseId = await openCase(env.sandbox, ref);
    const reply = await env.agent(relay, { legacyPostId: reading }).reply(env.sandbox, caseId, "Hi, Anna here");
    expect(reply.status).toBe(200);
    expect(reply.idOnExternalPlatform).toMatch(/^cgyr-/);
    expect(notifies(ref.urlToken).map((c) => c.body.text)).toEqual(["Hi, Anna here"]);
  });

  test("a reply for a thread that is not ours is still 404, and nobody is notified", async () => {
    const relay = await env.relay();
    const reply = await env.agent(relay, { legacyPostId: reading }).reply(env.sandbox, foreignCase(), "hello?");
    expect(reply.status).toBe(404);
    expect(env.cognigy.delivered()).toHaveLength(0);
  });
});

test("the DFO 3.0 outbound answer carries message.url, as public middlewares answer", async () => {
  const relay = await env.relay();
  const caseId = await openCase(env.sandbox, conversation("outbound-url"));
  const reply = await env.agent(relay, { mode: "outbound" }).reply(env.sandbox, caseId, "Hello from the agent");
  expect(reply.status).toBe(200);
  const body = reply.body as { message: { idOnExternalPlatform: string; url: string } };
  expect(body.message.url).toBe(`${relay.boxUrl}/2.0/messages/${body.message.idOnExternalPlatform}`);
});

describe("agent content types reach the user as something they can see and tap", () => {
  async function send(
    name: string,
    content: Record<string, unknown>,
    attachments?: { url: string; name?: string }[],
    relayConfig: Parameters<typeof env.relay>[0] = {},
  ) {
    const relay = await env.relay(relayConfig);
    await relay.channelFormat?.refresh();
    const ref = conversation(name);
    const caseId = await openCase(env.sandbox, ref);
    const reply = await env
      .agent(relay)
      .reply(env.sandbox, caseId, "(rich)", { content: content as never, attachments });
    expect(reply.status).toBe(200);
    const [notify] = notifies(ref.urlToken);
    return notify.body as { text: string; data: Record<string, unknown> };
  }

  test("QUICK_REPLIES become quick replies in both Cognigy formats, each carrying its postback as the tap text", async () => {
    const body = await send("qr", {
      type: "QUICK_REPLIES",
      payload: {
        text: { content: "How can I help?" },
        actions: [
          { type: "REPLY_BUTTON", text: "Billing", postback: "billing" },
          { type: "REPLY_BUTTON", text: "Delivery" },
        ],
      },
      fallbackText: "How can I help? Billing / Delivery",
    });
    expect(body.text).toBe("How can I help?");
    expect(body.data).toMatchObject({
      _cognigy: {
        _default: {
          _quickReplies: {
            text: "How can I help?",
            quickReplies: [
              { title: "Billing", payload: "billing", contentType: "postback" },
              { title: "Delivery", payload: "Delivery", contentType: "postback" },
            ],
          },
        },
        _webchat: {
          message: {
            text: "How can I help?",
            quick_replies: [
              { content_type: "text", title: "Billing", payload: "billing" },
              { content_type: "text", title: "Delivery", payload: "Delivery" },
            ],
          },
        },
      },
    });
  });

  test("LIST_PICKER becomes title + text with a tappable choice per item", async () => {
    const body = await send("lp", {
      type: "LIST_PICKER",
      payload: {
        title: { content: "Pick a slot" },
        text: { content: "Available tomorrow" },
        actions: [
          { type: "REPLY_BUTTON", text: "09:00", postback: "slot-9", description: "morning" },
          { type: "REPLY_BUTTON", text: "14:00", postback: "slot-14" },
        ],
      },
    });
    expect(body.text).toBe("Pick a slot\nAvailable tomorrow");
    const quick = (body.data._cognigy as { _webchat: { message: { quick_replies: { payload: string }[] } } })._webchat
      .message.quick_replies;
    expect(quick.map((q) => q.payload)).toEqual(["slot-9", "slot-14"]);
  });

  test("RICH_LINK becomes a link card, with the link in the text for other channels", async () => {
    const body = await send("rl", {
      type: "RICH_LINK",
      payload: {
        media: { fileName: "logo.png", mimeType: "image/png", url: "https://cdn.example/logo.png" },
        title: { content: "Your order" },
        url: "https://shop.example/orders/42",
      },
    });
    expect(body.text).toBe("Your order\nhttps://shop.example/orders/42");
    expect(body.data).toMatchObject({
      _cognigy: {
        _webchat: {
          message: {
            attachment: {
              type: "template",
              payload: {
                template_type: "generic",
                elements: [
                  {
                    title: "Your order",
                    image_url: "https://cdn.example/logo.png",
                    default_action: { type: "web_url", url: "https://shop.example/orders/42" },
                  },
                ],
              },
            },
          },
        },
      },
    });
  });

  test.each([
    ["TIME_PICKER", { title: { content: "When?" } }, "Pick a time: tomorrow 9-17", "Pick a time: tomorrow 9-17"],
    [
      "FORM",
      { formId: "f1" },
      "Please fill in the form: https://forms.example/f1",
      "Please fill in the form: https://forms.example/f1",
    ],
    [
      "ADAPTIVE_CARD",
      { type: "AdaptiveCard", version: "1.5" },
      undefined,
      "The agent sent a card that this chat cannot show.",
    ],
    [
      "PLUGIN",
      { postback: "p", elements: [] },
      undefined,
      "The agent sent an interactive element that this chat cannot show.",
    ],
    ["TEXT_TEMPLATE", { text: { content: "Thanks for waiting" } }, undefined, "Thanks for waiting"],
    ["FILE", {}, undefined, "The agent sent a file that this chat cannot show."],
  ])("%s is never refused: its fallbackText or a readable text", async (type, payload, fallbackText, expected) => {
    const body = await send(`other-${type}`, { type, payload, ...(fallbackText ? { fallbackText } : {}) });
    expect(body.text).toBe(expected);
  });

  test("HTML text arrives without tags when the channel's format is unknown (recognised by its tags)", async () => {
    const html = "<p>Hello <b>Jane</b>,</p><p>see <a href='https://help.example/a'>the guide</a>&nbsp;please.</p>";
    // No CXone connection for the relay: it cannot read the channel's contentFormat.
    const body = await send("html", { type: "TEXT", payload: { text: html } }, undefined, { cxone: undefined });
    expect(body.text).toBe("Hello Jane,\n\nsee the guide [https://help.example/a] please.");
  });

  test.each([
    ["html", "<custom-note>Hi</custom-note> &lt;3", "Hi <3"],
    ["plain", "<b>not bold</b> &amp; literal", "<b>not bold</b> &amp; literal"],
  ] as const)("a channel whose contentFormat is %s: its text is read that way", async (format, sent, seen) => {
    env.sandbox.channels[0].contentFormat = format;
    try {
      const relay = await env.relay();
      await relay.channelFormat?.refresh();
      expect(relay.channelFormat?.current()).toBe(format);
      const ref = conversation(`format-${format}`);
      const caseId = await openCase(env.sandbox, ref);
      await env.agent(relay).reply(env.sandbox, caseId, sent);
      expect(notifies(ref.urlToken).map((c) => c.body.text)).toEqual([seen]);
    } finally {
      env.sandbox.channels[0].contentFormat = undefined;
    }
  });

  test("attachments arrive as files Webchat draws: image preview vs file card by mime type", async () => {
    const body = await send("files", { type: "TEXT", payload: { text: "Here you go" } }, [
      { url: "https://files.example/x/photo.JPG", name: "photo.JPG" },
      { url: "https://files.example/x/invoice", name: "invoice.pdf" },
      { url: "https://files.example/x/blob" },
    ]);
    expect(body.text).toBe("Here you go");
    expect(body.data.attachments).toEqual([
      { url: "https://files.example/x/photo.JPG", fileName: "photo.JPG", mimeType: "image/jpeg", size: 0 },
      { url: "https://files.example/x/invoice", fileName: "invoice.pdf", mimeType: "application/pdf", size: 0 },
      { url: "https://files.example/x/blob", fileName: "blob", mimeType: "application/octet-stream", size: 0 },
    ]);
  });
});

describe("contacts with only their required fields", () => {
  test("the poll still tells the conversation an agent joined and the case ended", async () => {
    env.sandbox.behaviour.contacts = "minimal";
    const relay = await env.relay();
    const ref = conversation("minimal-poll");
    const caseId = await openCase(env.sandbox, ref);
    await relay.pollOnce();
    env.sandbox.assignAgent(caseId, "1001");
    expect((await relay.pollOnce()).events).toEqual([`agentJoined:${caseId}`]);
    env.sandbox.closeCase(caseId, "resolved");
    expect((await relay.pollOnce()).events).toEqual([`ended:${caseId}`]);
    expect(
      env.cognigy.delivered({ route: "inject", urlToken: ref.urlToken }).map((c) => c.body.data?.cxone?.event),
    ).toEqual(["agentJoined", "ended"]);
  });

  test("the search goes out with channel[] and status[] exactly as NiCE names them", async () => {
    const relay = await env.relay();
    env.sandbox.resetRequests();
    await relay.pollOnce();
    const searches = env.sandbox.requests.filter((r) => r.path === "/dfo/3.0/contacts").map((r) => r.url);
    const channel = env.sandbox.channels[0].id;
    const open = "status[]=new&status[]=open&status[]=pending&status[]=escalated";
    // The newest-updated read over every status, then one page of the reconciliation's open list.
    expect(searches).toEqual([
      `/dfo/3.0/contacts?channel[]=${channel}&${open}&status[]=resolved&status[]=closed&status[]=trashed&sorting=updatedAt&sortingType=desc`,
      `/dfo/3.0/contacts?channel[]=${channel}&${open}`,
    ]);
  });
});
