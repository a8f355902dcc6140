import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { secretsOf } from "../src/cxone/config";
import type { CognigyEndpoint } from "../testbed/emulator/cognigy-endpoint";
import { ByocAgent } from "../testbed/sandbox/byoc-agent";
import { type CxoneSandbox, startCxoneSandbox } from "../testbed/sandbox/cxone-sandbox";
import { startFakeCognigy } from "./support/fake-cognigy";
import { conversation, openCase, RELAY_CLIENT, relayProcessEnv } from "./support/relay";

/**
 * `npm run relay` as an admin runs it: its own process, configured only by environment variables, serving a handover
 * from the CXone sandbox into a Cognigy endpoint, and stopping cleanly on SIGTERM.
 */
const root = join(__dirname, "..");
let sandbox: CxoneSandbox;
let cognigy: CognigyEndpoint;
let relay: ChildProcess;
let output = "";

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; relay said:\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  sandbox = await startCxoneSandbox();
  cognigy = await startFakeCognigy();
  relay = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/relay/main.ts"], {
    cwd: root,
    env: {
      ...relayProcessEnv(sandbox, cognigy.url),
      RELAY_PORT: "0",
      RELAY_HOST: "127.0.0.1",
      CXONE_POLL_INTERVAL_MS: "250",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  relay.stdout?.on("data", (d) => (output += d.toString()));
  relay.stderr?.on("data", (d) => (output += d.toString()));
}, 30_000);

afterAll(async () => {
  if (relay.exitCode === null) relay.kill("SIGKILL");
  await cognigy?.stop();
  await sandbox?.stop();
});

test("configured from the environment, it serves a handover end to end and stops on SIGTERM", async () => {
  const port = await until("the relay to listen", () => /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(output)?.[1]);
  const ref = conversation("process");
  const caseId = await openCase(sandbox, ref);

  const agent = new ByocAgent({
    relayBoxUrl: `http://127.0.0.1:${port}/integration/box`,
    ...RELAY_CLIENT,
    mode: "posts",
  });
  const reply = await agent.reply(sandbox, caseId, "Hello from a separate relay process");
  expect(reply.status).toBe(200);
  expect(cognigy.delivered({ route: "notify" }).map((n) => n.body.text)).toEqual([
    "Hello from a separate relay process",
  ]);

  sandbox.assignAgent(caseId, "1001");
  await until("agentJoined", () => cognigy.delivered({ route: "inject", event: "agentJoined" })[0]);
  sandbox.closeCase(caseId, "resolved");
  await until("resolved", () => cognigy.delivered({ route: "inject", event: "ended" })[0]);

  const exited = new Promise<number | null>((resolve) => relay.once("exit", (code) => resolve(code)));
  relay.kill("SIGTERM");
  expect(await exited).toBe(0);
  for (const secret of [RELAY_CLIENT.clientSecret, ...secretsOf(sandbox.connection())]) {
    expect(output).not.toContain(secret);
  }
  expect(output).not.toContain("Hello from a separate relay process");
}, 60_000);
