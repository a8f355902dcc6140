import { spawn } from "node:child_process";
import path from "node:path";

/**
 * `npm run relay` under a supervisor whose log reader died (a pipe with no reader): SIGTERM must still end the
 * process. Before, pino's exit-time flush retried the broken pipe forever and only SIGKILL ended it.
 */
test("SIGTERM ends the relay even when nothing reads its stdout any more", async () => {
  const root = path.join(__dirname, "..");
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/relay/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      CXONE_HANDOVER_DEV_MODE: "1",
      RELAY_CLIENT_ID: "cxone-byoc",
      RELAY_CLIENT_SECRET: "0123456789abcdef-secret",
      RELAY_THREAD_KEY: "thread-key-0123456789abcdef-0123456789",
      COGNIGY_ENDPOINT_URL: "http://127.0.0.1:9",
      RELAY_PORT: "0",
      RELAY_HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let out = "";
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("relay listening")) resolve();
    });
  });
  child.stdout.destroy();
  child.kill("SIGTERM");
  // A generous bound: the relay stops in well under a second; without the fix it never does.
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const result = await exited;
  clearTimeout(killer);
  expect(result).toEqual({ code: 0, signal: null });
}, 60_000);
