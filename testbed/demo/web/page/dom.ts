/** A tiny element builder: text goes in as text nodes, never as HTML, so nothing from a message can inject markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === "class") el.className = String(value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== undefined && child !== false) el.append(child);
  return el;
}

export const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

export async function postJson(
  url: string,
  body: unknown = {},
): Promise<{ ok: boolean; status?: number; error?: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; status?: number; error?: string };
}

/** Repeats `tick` forever, `ms` after the previous one finished (no overlapping requests on a slow machine). */
export function every(ms: number, tick: () => Promise<void>): void {
  const run = () =>
    tick()
      .catch(() => undefined)
      .finally(() => setTimeout(run, ms));
  run();
}
