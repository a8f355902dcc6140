import { type ChildProcess, spawn } from "node:child_process";
import Redis from "ioredis";
import { freePort } from "./http";

/**
 * A real redis-server on loopback for one test file (scripts/ensure-redis.sh installs Debian's package before
 * `npm test`). No persistence; killed after the file. Never skipped: a missing binary fails the suite.
 */
export function useRedis() {
  const ref = { url: "", process: undefined as ChildProcess | undefined };
  beforeAll(async () => {
    const server = await startRedisServer(await freePort());
    ref.process = server.process;
    ref.url = server.url;
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

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** SIGKILL and wait for the exit (a crash: nothing flushed beyond what persistence already wrote). */
  kill(): Promise<void>;
}

/**
 * Starts redis-server on loopback. With `dir`, it persists like production should (AOF, fsync every write), so a
 * restart on the same port and dir keeps what it acknowledged.
 */
export async function startRedisServer(port: number, dir?: string): Promise<RedisServer> {
  const persistence = dir
    ? ["--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    : ["--save", "", "--appendonly", "no"];
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", ...persistence], {
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
