import { SocketClient } from "@cognigy/socket-client";
import { byId, h } from "./dom";
import { type Agent, type Attachment, type QuickReply, readOutput } from "./render-output";

/**
 * The end user's side: a real Cognigy client (`@cognigy/socket-client`) against the endpoint in the page's query
 * (`?endpoint=…&token=…`), else the demo's emulator on this origin. Outputs are drawn the way Webchat v3 draws them.
 */

interface ChatConfig {
  endpoint: string;
  urlToken: string;
  userId?: string;
  sessionId?: string;
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((p) => p[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();

function avatar(name: string, url?: string): HTMLElement {
  const el = h("span", { class: "avatar", "aria-hidden": "true" }, initials(name));
  if (url && /^https?:/.test(url)) {
    // Shown only once it loads: an unreachable avatar (the sandbox's are) leaves the initials.
    const img = h("img", { alt: "" });
    img.addEventListener("load", () => el.append(img));
    img.src = url;
  }
  return el;
}

const kb = (size?: number) => (size === undefined ? "" : ` (${Math.max(1, Math.round(size / 1024))} KB)`);

function attachmentView(a: Attachment): HTMLElement {
  const isImage = a.mimeType ? a.mimeType.startsWith("image/") : /\.(png|jpe?g|gif|webp|svg)$/i.test(a.fileName);
  if (isImage) {
    const img = h("img", { src: a.url, alt: a.fileName });
    // The image gets its height only once loaded: keep the newest message in view.
    img.addEventListener("load", () => img.closest("li")?.scrollIntoView({ block: "end" }));
    return h("a", { class: "attachment", href: a.url, target: "_blank", rel: "noopener" }, img);
  }
  return h(
    "a",
    { class: "file", href: a.url, target: "_blank", rel: "noopener", download: a.fileName },
    `File: ${a.fileName}${kb(a.size)}`,
  );
}

export async function startChat(config: ChatConfig): Promise<void> {
  const log = byId<HTMLOListElement>("chat-log");
  const state = byId("chat-state");
  const typing = byId("typing");
  const typingLabel = byId("typing-label");
  const form = byId<HTMLFormElement>("chat-form");
  const input = byId<HTMLInputElement>("chat-input");
  let agent: Agent | undefined;
  // Webchat keeps a `_webchat.botAvatarOverrideUrl` for the messages after it, until an empty one resets it.
  let botAvatar: string | undefined;

  const client = new SocketClient(config.endpoint, config.urlToken, {
    channel: "webchat3",
    ...(config.userId ? { userId: config.userId } : {}),
    ...(config.sessionId ? { sessionId: config.sessionId } : {}),
  });

  const show = (el: HTMLElement) => {
    log.append(el);
    el.scrollIntoView({ block: "end" });
  };
  const say = (text: string, shown = text) => {
    show(h("li", { class: "msg user" }, h("div", { class: "bubble" }, shown)));
    client.sendMessage(text);
  };

  const quickReplyView = (replies: QuickReply[]) => {
    const box = h("div", { class: "quick-replies", role: "group", "aria-label": "Quick replies" });
    for (const reply of replies) {
      const button = h("button", { type: "button" }, reply.title);
      button.addEventListener("click", () => {
        for (const b of box.querySelectorAll("button")) b.disabled = true;
        // Webchat v3: a tap sends the payload as the user's text.
        say(reply.payload, reply.title);
      });
      box.append(button);
    }
    return box;
  };

  client.on("output", (output: { text?: string; data?: unknown }) => {
    typing.hidden = true;
    const look = (output.data as { _webchat?: { botAvatarOverrideUrl?: unknown } } | undefined)?._webchat;
    if (look && typeof look.botAvatarOverrideUrl === "string") botAvatar = look.botAvatarOverrideUrl || undefined;
    const r = readOutput(output, agent);
    if (r.kind === "nothing") return;
    if (r.kind === "chip") {
      if (r.agent) agent = r.agent;
      show(h("li", { class: "chip", role: "note" }, r.text));
      return;
    }
    if (r.from === "agent" && r.agent) agent = r.agent;
    const name = r.nameOnce ?? (r.from === "agent" ? (r.agent?.name ?? "Agent") : "Bot");
    const bubble = h(
      "div",
      { class: "bubble" },
      h("span", { class: "who" }, r.from === "agent" ? `${name} · agent` : name),
      r.text,
      ...r.attachments.map(attachmentView),
      r.quickReplies.length > 0 ? quickReplyView(r.quickReplies) : undefined,
    );
    show(h("li", { class: `msg ${r.from}` }, avatar(name, r.avatarUrl ?? botAvatar), bubble));
  });
  client.on("typingStatus", (payload: { status?: string }) => {
    typing.hidden = payload?.status !== "typingOn";
    typingLabel.textContent = `${agent ? agent.name : "Bot"} is typing…`;
  });
  client.on("socket/disconnect", () => {
    state.textContent = "disconnected";
    state.dataset.state = "disconnected";
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
  });

  await client.connect();
  state.textContent = "connected";
  state.dataset.state = "connected";
}
