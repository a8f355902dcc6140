import { allChannels } from "../cli/channels";
import { CxoneClient, clearAuthCache } from "../cxone";
import { type CxoneSandbox, startCxoneSandbox } from "./cxone-sandbox";

/** The sandbox's channel API is as strict as NiCE's OpenAPI, and the CLI's channel walk works under both page bases. */

async function authorized(sandbox: CxoneSandbox) {
  const client = new CxoneClient(sandbox.connection());
  const session = await client.describeSession();
  expect(session.tenantId).toBe(sandbox.tenantId);
  // The bearer the client just got, for hand-made requests that must be refused.
  const token = sandbox.issuedTokens().at(-1);
  return { client, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } };
}

const channel = {
  id: "c-1",
  idOnExternalPlatform: "ext-1",
  channelIntegrationId: "byoc-sandbox",
  realExternalPlatformId: "custom",
  name: "One",
  isPrivate: false,
  hasTreeStructure: false,
};

describe("sandbox channel API", () => {
  let sandbox: CxoneSandbox;
  beforeAll(async () => {
    sandbox = await startCxoneSandbox();
  });
  afterAll(() => sandbox.stop());
  afterEach(() => clearAuthCache());

  test("refuses a body field or query name NiCE's OpenAPI does not list, and an unknown integration", async () => {
    const { headers } = await authorized(sandbox);
    const post = (body: unknown) =>
      fetch(`${sandbox.url}/dfo/3.0/channels`, { method: "POST", headers, body: JSON.stringify(body) });
    expect((await post({ ...channel, color: "red" })).status).toBe(400);
    const { hasTreeStructure: _, ...missing } = channel;
    expect((await post(missing)).status).toBe(400);
    expect((await post({ ...channel, realExternalPlatformId: "byoc" })).status).toBe(400);
    const unknown = await post({ ...channel, channelIntegrationId: "no-such-integration" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: { errorCode: string }[] }).errors[0].errorCode).toBe(
      "ChannelIntegrationNotFound",
    );
    expect((await fetch(`${sandbox.url}/dfo/3.0/channels?limit=5`, { headers })).status).toBe(400);
    expect((await post(channel)).status).toBe(200);
    // Create/update by id: the same id again is an update, not a second channel.
    expect((await post({ ...channel, name: "Renamed" })).status).toBe(200);
    expect(sandbox.channels.filter((c) => c.id === "c-1")).toEqual([expect.objectContaining({ name: "Renamed" })]);
  });
});

describe.each([0, 1] as const)("channel pages counted from %i", (base) => {
  let sandbox: CxoneSandbox;
  beforeAll(async () => {
    const channels = Array.from({ length: 230 }, (_, i) => ({ id: `ch-${i}`, name: `Channel ${i}` }));
    sandbox = await startCxoneSandbox({ channels, admin: { channelPageBase: base } });
  });
  afterAll(() => sandbox.stop());

  test("the CLI's channel walk sees every channel exactly once", async () => {
    const { client } = await authorized(sandbox);
    const all = await allChannels(client);
    expect(all).toHaveLength(230);
    expect(new Set(all.map((c) => c.id)).size).toBe(230);
  });
});
