import { byId, every, getJson, h } from "./dom";

/** The boundary log under the panes: what the server recorded (already redacted), newest at the bottom. */

interface LogEntry {
  seq: number;
  at: string;
  boundary: string;
  summary: string;
  status?: number;
  detail?: unknown;
}

const badge: Record<string, string> = { "to CXone": "cxone", "CXone → relay": "relay", "relay → Cognigy": "cognigy" };

export function startLog(): void {
  const list = byId<HTMLOListElement>("boundary-log");
  const polls = byId("log-polls");
  let after = 0;
  every(500, async () => {
    const { entries, relayPolls } = await getJson<{ entries: LogEntry[]; relayPolls: number }>(
      `/api/log?after=${after}`,
    );
    polls.textContent = relayPolls ? `(the relay's ${relayPolls} case searches are counted, not listed)` : "";
    if (entries.length === 0) return;
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    for (const e of entries) {
      const line = h(
        "summary",
        {},
        `${e.at.slice(11, 23)} `,
        h("span", { class: `b ${badge[e.boundary] ?? ""}` }, e.boundary),
        ` ${e.summary}${e.status === undefined ? "" : ` → ${e.status}`}`,
      );
      list.append(
        h(
          "li",
          { "data-boundary": e.boundary },
          e.detail === undefined ? line : h("details", {}, line, h("pre", {}, JSON.stringify(e.detail, null, 2))),
        ),
      );
      after = e.seq;
    }
    if (atBottom) list.scrollTop = list.scrollHeight;
  });
}
