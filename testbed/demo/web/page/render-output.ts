/**
 * How Webchat v3 reads one Cognigy output, as plain data (sources: cognigy-runtime.md, Platform facts): event chips
 * (`_cognigy._webchat3` liveAgentEvent), quick replies (`_cognigy._webchat.message.quick_replies`, else
 * `_cognigy._default._quickReplies`), files (`data.attachments`), avatar overrides (`data._webchat`). Agent messages
 * are told apart by the relay's `data.cxone` (a Notify has no `source`).
 */

export interface QuickReply {
  title: string;
  payload: string;
  imageUrl?: string;
}

export interface Attachment {
  url: string;
  fileName: string;
  mimeType?: string;
  size?: number;
}

export interface Agent {
  name: string;
  avatarUrl?: string;
}

export type Rendered =
  | { kind: "nothing" }
  | { kind: "chip"; text: string; agent?: Agent }
  | {
      kind: "message";
      from: "bot" | "agent";
      text: string;
      agent?: Agent;
      avatarUrl?: string;
      /** Webchat's per-message name over the bubble (`_webchat.botAvatarOverrideNameOnce`). */
      nameOnce?: string;
      quickReplies: QuickReply[];
      attachments: Attachment[];
    };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function quickReplies(cognigy: Obj): { text?: string; replies: QuickReply[] } {
  const webchat = obj(obj(cognigy._webchat).message);
  const fromWebchat = arr(webchat.quick_replies).map(obj);
  if (fromWebchat.length > 0) {
    return {
      text: str(webchat.text),
      replies: fromWebchat.map((q) => ({
        title: str(q.title) ?? "",
        payload: str(q.payload) || str(q.title) || "",
        imageUrl: str(q.image_url),
      })),
    };
  }
  const fallback = obj(cognigy._default)._quickReplies;
  const def = obj(fallback);
  return {
    text: str(def.text),
    replies: arr(def.quickReplies)
      .map(obj)
      .map((q) => ({
        title: str(q.title) ?? "",
        payload: str(q.payload) || str(q.title) || "",
        imageUrl: str(q.imageUrl),
      })),
  };
}

function attachments(data: Obj, cxone: Obj): Attachment[] {
  const standard = arr(data.attachments)
    .map(obj)
    .filter((a) => str(a.url))
    .map((a) => ({
      url: str(a.url)!,
      fileName: str(a.fileName) ?? str(a.url)!.split("/").pop()!,
      mimeType: str(a.mimeType),
      size: typeof a.size === "number" ? a.size : undefined,
    }));
  if (standard.length > 0) return standard;
  // What the relay forwards today: CXone's attachment links as `data.cxone.attachments [{ name, url }]`.
  return arr(cxone.attachments)
    .map(obj)
    .filter((a) => str(a.url))
    .map((a) => ({ url: str(a.url)!, fileName: str(a.name) ?? str(a.url)!.split("/").pop()! }));
}

export function readOutput(output: { text?: string; data?: unknown }, lastAgent?: Agent): Rendered {
  const data = obj(output.data);
  const cognigy = obj(data._cognigy);
  const cxone = obj(data.cxone);
  const webchat3 = obj(cognigy._webchat3);
  const overrides = obj(data._webchat);
  const agent = str(obj(cxone.agent).name)
    ? { name: str(obj(cxone.agent).name)!, avatarUrl: str(obj(cxone.agent).avatarUrl) }
    : undefined;

  if (webchat3.type === "liveAgentEvent") return { kind: "chip", text: str(obj(webchat3.payload).text) ?? "" };
  const event = str(cxone.event);
  if (event && event !== "agentMessage") {
    // Notices from the relay (agent details, …). An empty one (e.g. agentTyping) draws nothing, as in Webchat v3.
    return output.text ? { kind: "chip", text: output.text, agent } : { kind: "nothing" };
  }
  const qr = quickReplies(cognigy);
  const files = attachments(data, cxone);
  const text = output.text || qr.text || "";
  if (!text && qr.replies.length === 0 && files.length === 0) return { kind: "nothing" };
  if (event === "agentMessage") {
    const who = agent ?? lastAgent;
    return {
      kind: "message",
      from: "agent",
      text,
      agent: who,
      avatarUrl: str(overrides.agentAvatarOverrideUrl) ?? str(overrides.botAvatarOverrideUrl) ?? who?.avatarUrl,
      nameOnce: str(overrides.botAvatarOverrideNameOnce),
      quickReplies: qr.replies,
      attachments: files,
    };
  }
  return {
    kind: "message",
    from: "bot",
    text,
    avatarUrl: str(overrides.botAvatarOverrideUrl),
    nameOnce: str(overrides.botAvatarOverrideNameOnce),
    quickReplies: qr.replies,
    attachments: files,
  };
}
