import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { gzipSync } from "node:zlib";
import { startFakeCognigy } from "../../test/support/fake-cognigy";
import { freePort } from "../../test/support/http";
import type { CognigyEndpoint } from "../../testbed/emulator/cognigy-endpoint";
import { type CognigyManagementEmulator, startCognigyManagement } from "../../testbed/emulator/cognigy-management";
import { type CxoneSandbox, SANDBOX_CHANNEL_ID, startCxoneSandbox } from "../../testbed/sandbox/cxone-sandbox";
import { clearAuthCache } from "../cxone";
import { configFromEnv } from "../relay/env";
import { type Relay, startRelay } from "../relay/server";
import { runCli } from "./main";
import { Output } from "./output";
import type { Prompter } from "./prompts";
import { runSetup } from "./setup";

/** setup and doctor against the strict CXone sandbox, a real relay and a fake Cognigy endpoint, all on loopback. */

const INTEGRATION = "byoc-cognigy";
const SKILL = "4001";

let sandbox: CxoneSandbox;
let cognigy: CognigyEndpoint;
let dir: string;
const relays: Relay[] = [];
const printed: string[] = [];

beforeAll(async () => {
  sandbox = await startCxoneSandbox({ admin: { integrations: ["byoc-sandbox", INTEGRATION] } });
  cognigy = await startFakeCognigy();
  dir = mkdtempSync(join(tmpdir(), "cxone-cli-"));
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
  sandbox.clockSkewMs = 0;
  clearAuthCache();
});
afterAll(async () => {
  await sandbox.stop();
  await cognigy.stop();
  // No run printed a secret: CXone's, or the relay secret setup generated.
  const secrets = [sandbox.credentials.clientSecret, sandbox.credentials.accessKeySecret, ...generatedSecrets];
  for (const text of printed) for (const s of secrets) expect(text).not.toContain(s);
});
const generatedSecrets: string[] = [];

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    stdoutTTY: false,
    stdinTTY: false,
  });
  if (!args.includes("--show-secrets")) printed.push(stdout, stderr);
  return { code, stdout, stderr };
}

/** The env file an admin starts from: the CXone credentials (the sandbox's hosts stand in for CXone's). */
function credentialsFile(name: string): string {
  const file = join(dir, name);
  const c = sandbox.credentials;
  writeFileSync(
    file,
    [
      `CXONE_AUTH_HOST=${sandbox.url}`,
      `CXONE_DFO_BASE_URL=${sandbox.url}`,
      `CXONE_CLIENT_ID=${c.clientId}`,
      `CXONE_CLIENT_SECRET=${c.clientSecret}`,
      `CXONE_ACCESS_KEY_ID=${c.accessKeyId}`,
      `CXONE_ACCESS_KEY_SECRET=${c.accessKeySecret}`,
      "",
    ].join("\n"),
  );
  return file;
}

const readEnv = (file: string) => parseEnv(readFileSync(file, "utf8")) as Record<string, string>;

/** The relay as `npm run relay` starts it from the env file (port chosen by the test). */
async function relayFrom(file: string, port: number, overrides: Record<string, string> = {}): Promise<Relay> {
  const env = {
    ...readEnv(file),
    RELAY_PORT: String(port),
    RELAY_HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    ...overrides,
  };
  const relay = await startRelay(configFromEnv(env), { autoPoll: false });
  relays.push(relay);
  await relay.pollOnce();
  return relay;
}

function withEnv(file: string, changes: Record<string, string>, name: string): string {
  const copy = join(dir, name);
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => !Object.keys(changes).some((k) => l.startsWith(`${k}=`)));
  writeFileSync(
    copy,
    [...lines.filter(Boolean), ...Object.entries(changes).map(([k, v]) => `${k}=${v}`), ""].join("\n"),
  );
  return copy;
}

interface DoctorJson {
  ok: boolean;
  checks: { id: string; ok: boolean; required: boolean; fix?: string; detail?: string }[];
}
async function doctor(file: string) {
  const run = await cli(["doctor", "--config", file, "--json"]);
  const report = JSON.parse(run.stdout) as DoctorJson;
  return { ...run, report, check: (id: string) => report.checks.find((c) => c.id === id) };
}

describe("setup, then doctor on what it wrote", () => {
  let file: string;
  let port: number;

  test("setup checks the credentials, creates the BYOC channel once and writes a 0600 env file", async () => {
    file = credentialsFile("good.env");
    port = await freePort();
    const args = [
      "setup",
      "--config",
      file,
      "--json",
      "--integration-id",
      INTEGRATION,
      "--relay-url",
      `http://127.0.0.1:${port}`,
      "--cognigy-endpoint-url",
      cognigy.url,
      "--skill-id",
      SKILL,
    ];
    sandbox.resetRequests();
    const first = await cli(args);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.tenant).toMatchObject({ tenantId: sandbox.tenantId, area: "sandbox", digitalHost: sandbox.url });
    expect(result.channel).toMatchObject({ integrationId: INTEGRATION, created: true });
    const ours = sandbox.channels.filter((c) => c.channelIntegrationId === INTEGRATION);
    expect(ours).toHaveLength(1);
    // The strict sandbox refused anything but NiCE's NewChannel fields; these are the values it stored.
    expect(ours[0]).toMatchObject({
      id: result.channel.id,
      idOnExternalPlatform: "cognigy-handover",
      realExternalPlatformId: "custom",
      isPrivate: false,
      hasTreeStructure: false,
      contentFormat: "plain",
    });
    expect(sandbox.requestCount({ method: "POST", path: "/dfo/3.0/channels" })).toBe(1);
    expect(result.skills).toEqual([
      { skillId: SKILL, skillName: "Digital handover", agents: ["Anna Smith", "Ben Okafor"], agentsLoggedIn: 1 },
    ]);

    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readEnv(file);
    expect(written).toMatchObject({
      CXONE_CHANNEL_ID: result.channel.id,
      CXONE_INTEGRATION_ID: INTEGRATION,
      CXONE_SKILL_ID: SKILL,
      RELAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      COGNIGY_ENDPOINT_URL: cognigy.url,
      CXONE_CLIENT_SECRET: sandbox.credentials.clientSecret,
    });
    expect(written.RELAY_CLIENT_SECRET.length).toBeGreaterThanOrEqual(40);
    generatedSecrets.push(written.RELAY_CLIENT_SECRET);
    expect(result.byocForm).toEqual({
      "Integration Box URL": `http://127.0.0.1:${port}/integration/box`,
      "Authorization URL": `http://127.0.0.1:${port}/integration/box/1.0/token`,
      "Client ID": written.RELAY_CLIENT_ID,
      "Client Secret": "[hidden]",
    });
    expect(result.cognigyConnection).toMatchObject({ channelId: result.channel.id, clientSecret: "[hidden]" });

    // Twice: the same channel is found, nothing is created, the relay secret stays.
    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).channel).toMatchObject({ id: result.channel.id, created: false });
    expect(sandbox.channels.filter((c) => c.channelIntegrationId === INTEGRATION)).toHaveLength(1);
    expect(sandbox.requestCount({ method: "POST", path: "/dfo/3.0/channels" })).toBe(1);
    expect(readEnv(file).RELAY_CLIENT_SECRET).toBe(written.RELAY_CLIENT_SECRET);
  });

  test("the paste-ready values show the secrets only with --show-secrets", async () => {
    const base = ["setup", "--config", file];
    const hidden = await cli(base);
    expect(hidden.code).toBe(0);
    expect(hidden.stdout).toContain("Integration Box URL");
    expect(hidden.stdout).toContain("[hidden: run with --show-secrets to print it]");
    const shown = await cli([...base, "--show-secrets"]);
    expect(shown.stdout).toContain(readEnv(file).RELAY_CLIENT_SECRET);
    expect(shown.stdout).toContain(sandbox.credentials.accessKeySecret);
    // Without a terminal: no colour codes.
    expect(shown.stdout).not.toContain("\u001b[");
  });

  test("doctor is green on that setup, with one ✓ line per check", async () => {
    await relayFrom(file, port);
    const run = await doctor(file);
    expect(run.code).toBe(0);
    expect(run.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.report.checks.map((c) => c.id)).toEqual([
      "config",
      "credentials",
      "token-lifetime",
      "clock-cxone",
      "channel",
      "skill",
      "agents",
      "relay-health",
      "clock-relay",
      "relay-token",
      "relay-cognigy",
      "relay-poll",
    ]);
    const human = await cli(["doctor", "--config", file]);
    expect(human.code).toBe(0);
    expect(human.stdout.split("\n").filter((l) => l.startsWith("✓"))).toHaveLength(12);
  });

  describe("doctor names the fix", () => {
    test("wrong client secret", async () => {
      await relayFrom(file, port);
      const run = await doctor(withEnv(file, { CXONE_CLIENT_SECRET: "wrong-client-secret" }, "wrong-client.env"));
      expect(run.code).toBe(1);
      expect(run.check("credentials")).toMatchObject({ ok: false });
      expect(run.check("credentials")?.fix).toContain("CXONE_CLIENT_ID / CXONE_CLIENT_SECRET are wrong");
    });

    test("wrong access key", async () => {
      await relayFrom(file, port);
      const run = await doctor(withEnv(file, { CXONE_ACCESS_KEY_SECRET: "wrong-access-key" }, "wrong-key.env"));
      expect(run.code).toBe(1);
      expect(run.check("credentials")?.fix).toContain("CXONE_ACCESS_KEY_ID / CXONE_ACCESS_KEY_SECRET are wrong");
    });

    test("unknown channel", async () => {
      await relayFrom(file, port);
      const run = await doctor(withEnv(file, { CXONE_CHANNEL_ID: "no-such-channel" }, "unknown-channel.env"));
      expect(run.code).toBe(1);
      expect(run.check("channel")).toMatchObject({ ok: false, detail: "no channel no-such-channel in this tenant" });
      expect(run.check("channel")?.fix).toContain("correct CXONE_CHANNEL_ID");
    });

    test("a channel of another integration", async () => {
      await relayFrom(file, port);
      const run = await doctor(withEnv(file, { CXONE_CHANNEL_ID: SANDBOX_CHANNEL_ID }, "other-integration.env"));
      expect(run.code).toBe(1);
      expect(run.check("channel")?.detail).toContain("belongs to integration byoc-sandbox, not byoc-cognigy");
      expect(run.check("channel")?.fix).toContain(`setup --integration-id ${INTEGRATION}`);
    });

    test("relay down", async () => {
      const run = await doctor(file);
      expect(run.code).toBe(1);
      expect(run.check("relay-health")).toMatchObject({ ok: false });
      expect(run.check("relay-health")?.fix).toContain("start the relay");
      // The CXone side is still checked and fine.
      expect(run.check("channel")?.ok).toBe(true);
    });

    test("relay with a different secret", async () => {
      await relayFrom(file, port, { RELAY_CLIENT_SECRET: "another-relay-secret-0123456789" });
      const run = await doctor(file);
      expect(run.code).toBe(1);
      expect(run.check("relay-token")).toMatchObject({ ok: false, detail: "HTTP 401" });
      expect(run.check("relay-token")?.fix).toContain("the relay runs with a different client id or secret");
    });

    test("relay that cannot reach Cognigy", async () => {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const broken = withEnv(file, { COGNIGY_ENDPOINT_URL: nowhere }, "no-cognigy.env");
      await relayFrom(broken, port);
      const run = await doctor(broken);
      expect(run.code).toBe(1);
      expect(run.check("relay-cognigy")).toMatchObject({ ok: false });
      expect(run.check("relay-cognigy")?.detail).toContain("ECONNREFUSED");
      expect(run.check("relay-cognigy")?.fix).toContain("the relay cannot reach COGNIGY_ENDPOINT_URL");
    });

    test("skill with no agent logged in (a warning: out of hours is not a broken setup)", async () => {
      await relayFrom(file, port);
      sandbox.admin.setLoggedIn("1001", false);
      try {
        const run = await doctor(file);
        expect(run.check("agents")).toMatchObject({ ok: false, required: false, detail: "0 logged in, 0 available" });
        expect(run.check("agents")?.fix).toContain(`no agent of skill ${SKILL} is logged in`);
        expect(run.code).toBe(0);
        const human = await cli(["doctor", "--config", file]);
        expect(human.stdout).toContain("! agents of the skill are logged in now");
      } finally {
        sandbox.admin.setLoggedIn("1001", true);
      }
    });

    test("clock skew with CXone", async () => {
      await relayFrom(file, port);
      sandbox.clockSkewMs = 5 * 60_000;
      const run = await doctor(file);
      expect(run.code).toBe(1);
      expect(run.check("clock-cxone")).toMatchObject({ ok: false });
      expect(run.check("clock-cxone")?.fix).toContain("NTP");
    });
  });
});

describe("input", () => {
  test("without a terminal a missing value is an error naming the variable, never a question", async () => {
    const file = credentialsFile("missing.env");
    const run = await cli(["setup", "--config", file, "--relay-url", "https://relay.example.com"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("COGNIGY_ENDPOINT_URL is missing");
  });

  test("before the BYOC integration exists, setup writes the secret and prints the form's values, no channel", async () => {
    const file = credentialsFile("first-run.env");
    const before = sandbox.channels.length;
    const run = await cli([
      "setup",
      "--config",
      file,
      "--relay-url",
      "https://relay.example.com",
      "--cognigy-endpoint-url",
      cognigy.url,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("run setup again with --integration-id");
    expect(run.stdout).toContain("https://relay.example.com/integration/box/1.0/token");
    expect(sandbox.channels).toHaveLength(before);
    const written = readEnv(file);
    expect(written.CXONE_CHANNEL_ID).toBeUndefined();
    generatedSecrets.push(written.RELAY_CLIENT_SECRET);
    expect(written.RELAY_CLIENT_SECRET.length).toBeGreaterThanOrEqual(40);
  });

  test("setup refuses a relay URL CXone would send credentials to in the clear", async () => {
    const file = credentialsFile("http.env");
    const run = await cli([
      "setup",
      "--config",
      file,
      "--integration-id",
      INTEGRATION,
      "--relay-url",
      "http://relay.example.com",
      "--cognigy-endpoint-url",
      cognigy.url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("RELAY_PUBLIC_URL must start with https://");
  });

  test("--version and help come from commander", async () => {
    const version = await cli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await cli(["doctor", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: cxone-handover doctor");
  });
});

describe("colour", () => {
  const lines = (env: Record<string, string>, stdoutTTY: boolean) => {
    let text = "";
    const out = new Output(
      { stdout: (t) => (text += t), stderr: () => {}, env, stdoutTTY, stdinTTY: false },
      { json: false },
    );
    out.check({ id: "x", title: "works", ok: false, required: true, fix: "do this" });
    return text;
  };

  test("only on a terminal, and never with NO_COLOR", () => {
    expect(lines({}, true)).toContain("\u001b[");
    expect(lines({ NO_COLOR: "1" }, true)).not.toContain("\u001b[");
    expect(lines({}, false)).not.toContain("\u001b[");
    expect(lines({}, false)).toBe("✗ works\n    fix: do this\n");
  });
});

describe("setup --cognigy-api-key", () => {
  const API_KEY = "cognigy-api-key-7d1c9e0b5a";
  let management: CognigyManagementEmulator;
  beforeAll(async () => {
    management = await startCognigyManagement(API_KEY, "project-1");
  });
  afterAll(() => management.stop());

  const deployArgs = (file: string, apiKey: string) => [
    "setup",
    "--config",
    file,
    "--integration-id",
    INTEGRATION,
    "--relay-url",
    "https://relay.example.com",
    "--cognigy-endpoint-url",
    cognigy.url,
    "--skill-id",
    SKILL,
    "--cognigy-api-key",
    apiKey,
    "--cognigy-api-url",
    management.url,
    "--cognigy-project-id",
    "project-1",
    "--extension-file",
    join(dir, "nice-cxone-handover.tar.gz"),
  ];

  test("uploads the extension and creates its connection once, with exactly the requests Cognigy's client makes", async () => {
    const file = credentialsFile("cognigy.env");
    const tarball = join(dir, "nice-cxone-handover.tar.gz");
    writeFileSync(tarball, gzipSync(Buffer.from("not really a tar, the emulator checks the gzip only")));
    const args = [...deployArgs(file, API_KEY), "--json"];
    const first = await cli(args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).cognigy).toMatchObject({
      extension: { uploaded: "new" },
      connection: { created: true },
    });
    const wire = management.requests.map((r) => `${r.method} ${r.path} ${new URLSearchParams(r.query)}`);
    expect(wire).toEqual([
      "GET /new/v2.0/extensions limit=100&projectId=project-1",
      "POST /new/v2.0/extensions/upload ",
      "GET /new/v2.0/tasks/" + wire[2].split("/")[4],
      "GET /new/v2.0/tasks/" + wire[2].split("/")[4],
      "GET /new/v2.0/extensions limit=100&projectId=project-1",
      "GET /new/v2.0/connections limit=100&projectId=project-1",
      "POST /new/v2.0/connections ",
    ]);
    expect(management.requests.every((r) => r.apiKey === API_KEY)).toBe(true);
    expect(management.requests[1].body).toEqual([
      { field: "projectId", value: "project-1" },
      { field: "file", fileName: "nice-cxone-handover.tar.gz", bytes: expect.any(Number) },
      { field: "fileName", value: "nice-cxone-handover.tar.gz" },
    ]);
    const channelId = readEnv(file).CXONE_CHANNEL_ID;
    expect(management.connections).toEqual([
      expect.objectContaining({
        name: "NiCE CXone",
        type: "nice-cxone",
        extension: "nice-cxone-handover",
        fields: {
          authHost: sandbox.url,
          clientId: sandbox.credentials.clientId,
          clientSecret: sandbox.credentials.clientSecret,
          accessKeyId: sandbox.credentials.accessKeyId,
          accessKeySecret: sandbox.credentials.accessKeySecret,
          channelId,
          dfoBaseUrl: sandbox.url,
          // The relay's env file and the connection carry the same thread key, or no agent reply could be routed.
          threadKey: readEnv(file).RELAY_THREAD_KEY,
        },
      }),
    ]);
    expect(readEnv(file).RELAY_THREAD_KEY).toMatch(/^.{32,}$/);
    // The API key is not kept in the env file.
    expect(readFileSync(file, "utf8")).not.toContain(API_KEY);

    // Again: the same extension is updated and the same connection's fields replaced; nothing is added.
    management.requests.length = 0;
    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).cognigy).toMatchObject({
      extension: { uploaded: "updated" },
      connection: { created: false },
    });
    expect(management.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{24}/, ":id")}`)).toEqual([
      "GET /new/v2.0/extensions",
      "POST /new/v2.0/extensions/update",
      "GET /new/v2.0/tasks/:id",
      "GET /new/v2.0/tasks/:id",
      "GET /new/v2.0/extensions",
      "GET /new/v2.0/connections",
      "PATCH /new/v2.0/connections/:id",
    ]);
    expect(management.extensions).toHaveLength(1);
    expect(management.connections).toHaveLength(1);
    for (const text of [first.stdout, second.stdout, first.stderr, second.stderr]) expect(text).not.toContain(API_KEY);
  });

  test("a wrong API key fails setup with Cognigy's answer, without printing the key", async () => {
    const file = credentialsFile("cognigy-bad.env");
    const run = await cli(deployArgs(file, "wrong-api-key-0000"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: .*401|Unauthorized/i);
    expect(run.stdout + run.stderr).not.toContain("wrong-api-key-0000");
  });
});

describe("prompts", () => {
  test("at a terminal setup asks only for what is missing, secrets as passwords, and the skill from a list", async () => {
    const file = credentialsFile("prompted.env");
    const env = readEnv(file);
    delete env.CXONE_ACCESS_KEY_SECRET;
    const asked: string[] = [];
    const ask: Prompter = {
      async text(variable, _message, secret) {
        asked.push(`${variable}${secret ? " (secret)" : ""}`);
        if (variable === "CXONE_ACCESS_KEY_SECRET") return sandbox.credentials.accessKeySecret;
        if (variable === "COGNIGY_ENDPOINT_URL") return cognigy.url;
        throw new Error(`unexpected question for ${variable}`);
      },
      async choose(variable, _message, choices) {
        asked.push(`${variable} of ${choices.map((c) => c.value).join(",")}`);
        return choices[0].value;
      },
    };
    let text = "";
    const out = new Output(
      { stdout: (t) => (text += t), stderr: () => {}, env: {}, stdoutTTY: false, stdinTTY: true },
      { json: false },
    );
    const result = await runSetup(
      env,
      {
        integrationId: INTEGRATION,
        relayUrl: "https://relay.example.com",
        channelName: "x",
        out: file,
        showSecrets: false,
      },
      out,
      ask,
    );
    expect(asked).toEqual(["CXONE_ACCESS_KEY_SECRET (secret)", "COGNIGY_ENDPOINT_URL", `CXONE_SKILL_ID of ${SKILL}`]);
    expect(result.skillId).toBe(SKILL);
    expect(readEnv(file).CXONE_ACCESS_KEY_SECRET).toBe(sandbox.credentials.accessKeySecret);
    generatedSecrets.push(readEnv(file).RELAY_CLIENT_SECRET);
    printed.push(text);
  });
});
