import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CognigyEndpoint } from "../testbed/emulator/cognigy-endpoint";
import { type CxoneSandbox, startCxoneSandbox } from "../testbed/sandbox/cxone-sandbox";
import { startFakeCognigy } from "./support/fake-cognigy";
import { RELAY_CLIENT, relayProcessEnv } from "./support/relay";

/**
 * The relay image's files as the Dockerfile builds them (scripts/bundle-image.js), run the way `docker run … cxone-relay
 * doctor` runs them: through the entrypoint, configured by environment only. No Docker engine is needed for that.
 */
const run = promisify(execFile);
const bundleImage = require("../scripts/bundle-image.js").bundleImage as (dir: string) => string;
let dir: string;
let sandbox: CxoneSandbox;
let cognigy: CognigyEndpoint;

beforeAll(async () => {
  dir = bundleImage(mkdtempSync(join(tmpdir(), "cxone-image-")));
  sandbox = await startCxoneSandbox();
  cognigy = await startFakeCognigy();
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
  await cognigy?.stop();
});

test("the bundled CLI answers --version through the entrypoint", async () => {
  const { stdout } = await run("sh", [join(dir, "entrypoint.sh"), "--version"]);
  expect(stdout.trim()).toBe(require("../package.json").version);
});

test("`doctor --json` from the bundle checks CXone and names the relay that is not there", async () => {
  const c = sandbox.connection();
  const env = {
    ...relayProcessEnv(sandbox, cognigy.url),
    CXONE_SKILL_ID: "4001",
    RELAY_PUBLIC_URL: "http://127.0.0.1:9",
  };
  const failed = await run("sh", [join(dir, "entrypoint.sh"), "doctor", "--json"], { env }).then(
    () => undefined,
    (err: { code: number; stdout: string }) => err,
  );
  expect(failed?.code).toBe(1);
  const report = JSON.parse(failed?.stdout ?? "{}") as { checks: { id: string; ok: boolean }[] };
  const status = Object.fromEntries(report.checks.map((ch) => [ch.id, ch.ok]));
  expect(status).toMatchObject({ config: true, credentials: true, channel: true, skill: true, "relay-health": false });
  expect(failed?.stdout).not.toContain(c.clientSecret);
  expect(failed?.stdout).not.toContain(RELAY_CLIENT.clientSecret);
});
