import { startWorld, type World } from "../world";
import { startWebDemo, type WebDemo } from "./server";

/** The web demo's desk routes answer bad input with a clear 4xx, and its log never carries a secret. */

describe("the web demo server", () => {
  let world: World;
  let web: WebDemo;
  const post = (path: string, body: unknown) =>
    fetch(new URL(path, web.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { ok: boolean; error?: string } }));

  beforeAll(async () => {
    world = await startWorld();
    web = await startWebDemo(world);
  }, 60_000);

  afterAll(async () => {
    await web?.stop();
    await world?.stop();
  });

  it("serves the page, its script with socket-client bundled, and only the demo's own files", async () => {
    const page = await fetch(web.url);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const script = await (await fetch(`${web.url}page.js`)).text();
    expect(script).toContain("processInput");
    expect((await fetch(`${web.url}files/shipping-label.svg`)).headers.get("content-type")).toMatch(/image\/svg/);
    expect((await fetch(`${web.url}files/..%2Fserver.ts`)).status).toBe(404);
  });

  it("answers 404 for an unknown case, 400 for a bad body, 409 for an action the case does not allow", async () => {
    expect(await post("/api/cases/nope/assign", { agentId: "1001" })).toEqual({
      status: 404,
      body: { ok: false, error: "no case nope" },
    });
    await world.user("Can I talk to an agent?");
    const c = await world.waitForCase();
    expect(await post(`/api/cases/${c.id}/reply`, { text: "  " })).toMatchObject({ status: 400 });
    expect(await post(`/api/cases/${c.id}/file`, { file: "../../package.json" })).toMatchObject({ status: 400 });
    expect(await post(`/api/cases/${c.id}/quick-replies`, { text: "Pick", replies: [] })).toMatchObject({
      status: 400,
    });
    expect(await post(`/api/cases/${c.id}/assign`, { agentId: "1001" })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await post(`/api/cases/${c.id}/transfer`, { agentId: "1001" })).toEqual({
      status: 409,
      body: { ok: false, error: `case ${c.id} is already with agent 1001` },
    });
    expect(await post(`/api/cases/${c.id}/reply`, { text: "Hello from the desk" })).toEqual({
      status: 200,
      body: { ok: true, status: 200 },
    });
  });

  it("logs every boundary with the bodies as they crossed, minus every secret", async () => {
    await world.endpoint.waitFor((e) => e.from === "agent" && e.text === "Hello from the desk");
    const until = Date.now() + 10_000;
    let log = web.log.since(0).entries;
    while (!log.some((e) => e.boundary === "to CXone") && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      log = web.log.since(0).entries;
    }
    const boundaries = new Set(log.map((e) => e.boundary));
    expect([...boundaries].sort()).toEqual(["CXone → relay", "relay → Cognigy", "to CXone"]);
    const token = log.find((e) => e.summary.endsWith("/1.0/token"));
    expect(token).toMatchObject({ status: 200, detail: { body: "[hidden: client credentials]" } });
    const reply = log.find(
      (e) => e.boundary === "CXone → relay" && e.summary.endsWith("/messages") && e.status === 200,
    );
    expect(reply?.detail).toMatchObject({ body: { messageContent: { payload: { text: "Hello from the desk" } } } });
    const text = JSON.stringify(log);
    const secrets = world.secrets();
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  });
});
