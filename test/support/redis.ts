import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import Redis from "ioredis";

/**
 * A real redis-server on loopback for one test file (scripts/ensure-redis.sh installs Debian's package before
 * `npm test`). No persistence; killed after the file. Never skipped: a missing binary fails the suite.
 */
export function useRedis() {
  const ref = { url: "", process: undefined as ChildProcess | undefined };
  beforeAll(async () => {
    const port = await freePort();
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    ref.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) resolve();
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("error", (err) =>
        reject(new Error(`redis-server could not start (${err.message}); run scripts/ensure-redis.sh`)),
      );
      child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
    ref.url = `redis://127.0.0.1:${port}`;
  });
  beforeEach(async () => {
    const client = new Redis(ref.url, { lazyConnect: true });
    await client.connect();
    await client.flushall();
    await client.quit();
  });
  afterAll(async () => {
    const child = ref.process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  });
  return ref;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
