import { byId, every, getJson, h, postJson } from "./dom";

/** The agent's side, playing CXone: the channel's cases, the transcript the agent received, and the agent's actions. */

interface DeskCase {
  id: string;
  status: string;
  routingQueueId: string;
  skillId?: number;
  createdAt: string;
  agent?: { id: string; name: string };
  messages: {
    id: string;
    direction: "inbound" | "outbound";
    text: string;
    at: string;
    delivered: boolean;
    attachments: { friendlyName: string; url: string }[];
  }[];
}

interface DeskState {
  agents: { id: string; name: string }[];
  cases: DeskCase[];
}

const OPEN = new Set(["new", "open", "pending", "escalated"]);

export function startDesk(): void {
  const list = byId<HTMLUListElement>("case-list");
  const empty = byId("case-empty");
  const detail = byId("case-detail");
  const facts = byId("case-facts");
  const transcript = byId<HTMLOListElement>("transcript");
  const agentSelect = byId<HTMLSelectElement>("agent-select");
  const status = byId("desk-status");
  const buttons = {
    assign: byId<HTMLButtonElement>("assign"),
    transfer: byId<HTMLButtonElement>("transfer"),
    close: byId<HTMLButtonElement>("close"),
    file: byId<HTMLButtonElement>("send-file"),
  };
  let selected: string | undefined;
  let current: DeskCase | undefined;
  let seen = "";

  const act = async (path: string, body: unknown, done: string) => {
    if (!current) return;
    status.textContent = "…";
    const result = await postJson(`/api/cases/${encodeURIComponent(current.id)}/${path}`, body);
    status.textContent = result.ok
      ? done
      : `Not done: ${result.error ?? `the relay answered CXone ${result.status ?? "nothing"}`}`;
  };

  const render = (state: DeskState) => {
    if (agentSelect.options.length === 0) {
      for (const a of state.agents) agentSelect.append(h("option", { value: a.id }, a.name));
    }
    const cases = [...state.cases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (!selected || !cases.some((c) => c.id === selected)) selected = cases[0]?.id;
    current = cases.find((c) => c.id === selected);
    // Redraw only on change: the page stays still (and selectable) between polls.
    const fingerprint = JSON.stringify([cases, selected]);
    if (fingerprint === seen) return;
    seen = fingerprint;

    list.replaceChildren(
      ...cases.map((c) => {
        const button = h(
          "button",
          { type: "button", "aria-current": c.id === selected ? "true" : "false" },
          h("span", { class: "status" }, c.status),
          ` case ${c.id}`,
          h("span", { class: "meta" }, `${c.routingQueueId}${c.agent ? ` · ${c.agent.name}` : " · unassigned"}`),
        );
        button.addEventListener("click", () => {
          selected = c.id;
          seen = "";
          render(state);
        });
        return h("li", {}, button);
      }),
    );
    empty.hidden = Boolean(current);
    detail.hidden = !current;
    if (!current) return;
    const open = OPEN.has(current.status);
    facts.replaceChildren(
      ...[
        ["Case", current.id],
        ["Status", current.status],
        ["Queue", current.routingQueueId],
        ["Skill", String(current.skillId ?? "default")],
        ["Agent", current.agent?.name ?? "unassigned"],
      ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-fact": k.toLowerCase() }, v)]),
    );
    transcript.replaceChildren(
      ...current.messages.map((m) =>
        h(
          "li",
          { class: m.direction },
          h(
            "span",
            { class: "from" },
            m.direction === "inbound" ? "Customer" : `Agent${m.delivered ? "" : " (not delivered)"}`,
          ),
          m.text,
          ...m.attachments.map((a) => ` [file ${a.friendlyName}]`),
        ),
      ),
    );
    transcript.scrollTop = transcript.scrollHeight;
    buttons.assign.disabled = !open || Boolean(current.agent);
    buttons.transfer.disabled = !open || !current.agent;
    buttons.close.disabled = !open;
    buttons.file.disabled = !open || !current.agent;
    for (const form of ["reply-form", "qr-form"]) {
      for (const b of byId(form).querySelectorAll("button")) b.disabled = !open || !current.agent;
    }
  };

  buttons.assign.addEventListener("click", () => act("assign", { agentId: agentSelect.value }, "Assigned."));
  buttons.transfer.addEventListener("click", () => act("transfer", { agentId: agentSelect.value }, "Transferred."));
  buttons.close.addEventListener("click", () => act("close", {}, "Case resolved."));
  buttons.file.addEventListener("click", () =>
    act("file", { file: byId<HTMLSelectElement>("file-select").value }, "File delivered."),
  );
  byId<HTMLFormElement>("reply-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("reply-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    void act("reply", { text }, "Reply delivered.");
  });
  byId<HTMLFormElement>("qr-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = byId<HTMLInputElement>("qr-text").value.trim();
    const replies = byId<HTMLInputElement>("qr-options")
      .value.split("|")
      .map((s) => s.trim())
      .filter(Boolean);
    void act("quick-replies", { text, replies }, "Quick replies delivered.");
  });

  every(400, async () => render(await getJson<DeskState>("/api/state")));
}
