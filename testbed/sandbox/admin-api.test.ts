import { allChannels } from "../../src/cli/channels";
import { clearAuthCache } from "../../src/cxone";
import { sandboxRequests } from "../../test/support/sandbox";
import { type CxoneSandbox, startCxoneSandbox } from "./cxone-sandbox";

/** The sandbox's channel API is as strict as NiCE's OpenAPI, and the CLI's channel walk works under both page bases. */

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
    const { request } = await sandboxRequests(sandbox);
    const post = (body: unknown) => request("POST", "/dfo/3.0/channels", body);
    expect((await post({ ...channel, color: "red" })).status).toBe(400);
    const { hasTreeStructure: _, ...missing } = channel;
    expect((await post(missing)).status).toBe(400);
    expect((await post({ ...channel, realExternalPlatformId: "byoc" })).status).toBe(400);
    const unknown = await post({ ...channel, channelIntegrationId: "no-such-integration" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].errorCode).toBe("ChannelIntegrationNotFound");
    expect((await request("GET", "/dfo/3.0/channels?limit=5")).status).toBe(400);
    // Filters NiCE names but the sandbox does not implement are refused, never ignored (an ignored one answers more).
    for (const path of ["/dfo/3.0/channels?isPrivate=true", "/InContactAPI/services/v23.0/skills?outboundStrategy=x"]) {
      const unimplemented = await request("GET", path);
      expect([unimplemented.status, unimplemented.body.errors[0].errorCode]).toEqual([400, "SandboxUnsupported"]);
    }
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
    const { client } = await sandboxRequests(sandbox);
    const all = await allChannels(client);
    expect(all).toHaveLength(230);
    expect(new Set(all.map((c) => c.id)).size).toBe(230);
  });
});
