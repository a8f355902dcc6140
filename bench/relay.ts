import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { buildSync } from "esbuild";
import { encodeThreadId } from "../src/handover/thread";
import { type Row, round } from "./util";

const root = join(__dirname, "..");
const CLIENT_ID = "bench-client";
const CLIENT_SECRET = "bench-relay-secret-6f1d2c9e0b7a";
const THREAD_KEY = "bench-thread-key-0123456789abcdef-0123";
const CONVERSATIONS = 1000;
const THROUGHPUT_SECONDS = 8;
const RATE = 1000;
const RATE_SECONDS = 8;
const SOAK_MESSAGES = 100_000;
/** The relay's de-dup LRU bound in this run (RELAY_MEMORY_STORE_MAX_KEYS): small enough to reach within the bench. */
const LRU_BOUND = 50_000;

/** A loopback Cognigy Notify sink that answers 200 at once. */
function startSink(): Promise<{ url: string; count: () => number; close: () => void }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      count += 1;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"status":"ok"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, count: () => count, close: () => server.close() });
    }),
  );
}

/**
 * Both servers run as they do in production: bundled by esbuild with the Dockerfile's flags and started with plain
 * `node` (no ts-node loader in the measured process). A small probe beside each answers "memory" over IPC with the
 * heap after a full GC and the RSS.
 */
function bundle(dir: string, entry: string, name: string): string {
  const outfile = join(dir, `${name}.js`);
  buildSync({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    legalComments: "none",
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

const PROBE = `process.on("message", (m) => {
  if (m !== "memory") return;
  global.gc();
  const { heapUsed, rss } = process.memoryUsage();
  process.send({ heapUsed, rss });
});
require(process.env.BENCH_ENTRY);
`;

interface Child {
  child: ChildProcess;
  port: number;
  memory(): Promise<{ heapUsed: number; rss: number }>;
}

function startChild(
  dir: string,
  bundled: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<Child> {
  const probe = join(dir, "probe.js");
  writeFileSync(probe, PROBE);
  const child = spawn(process.execPath, ["--expose-gc", ...nodeArgs, probe], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_ENTRY: bundled, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const memory = () =>
    new Promise<{ heapUsed: number; rss: number }>((resolve) => {
      child.once("message", (m) => resolve(m as { heapUsed: number; rss: number }));
      child.send("memory");
    });
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        child.stdout?.off("data", onData);
        child.stdout?.resume(); // keep draining logs so the child never blocks on a full pipe
        resolve({ child, port: Number(m[1]), memory });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c) => (out += c.toString()));
    child.on("exit", (code) => reject(new Error(`${bundled} exited (${code}): ${out.slice(-500)}`)));
  });
}

/**
 * BENCH_CPU_PROF=<dir>: the relay and the bare forwarder each write a V8 CPU profile of the whole run to <dir>/relay
 * and <dir>/bare, beside a copy of their bundle (bench/profile-top.ts reads both).
 */
const profileDir = (name: string) => (process.env.BENCH_CPU_PROF ? join(process.env.BENCH_CPU_PROF, name) : undefined);
const profileArgs = (name: string) => {
  const at = profileDir(name);
  return at ? ["--cpu-prof", `--cpu-prof-dir=${at}`] : [];
};
function profiled(bundled: string, name: string): string {
  const at = profileDir(name);
  if (at) {
    mkdirSync(at, { recursive: true });
    copyFileSync(bundled, join(at, `${name}.js`));
  }
  return bundled;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

function threads(): string[] {
  return Array.from({ length: CONVERSATIONS }, (_, i) =>
    encodeThreadId(
      {
        userId: `user-${i}`,
        sessionId: `session-${i}`,
        urlToken: "benchtoken",
        handoverId: `h${i}`,
        displayAgentDetails: false,
      },
      THREAD_KEY,
    ),
  );
}

interface Target {
  base: string;
  headers: Record<string, string>;
  /** Requests sent to this target so far (the sink counts both servers' Notify calls). */
  sent: number;
}

let seq = 0;
/** autocannon options posting agent replies, each with a new CXone message id, spread over 1,000 conversations. */
function load(target: Target, extra: Partial<autocannon.Options>): autocannon.Options {
  const ids = threads();
  return {
    url: target.base,
    connections: 32,
    pipelining: 1,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    requests: [
      {
        setupRequest: (req) => {
          target.sent += 1;
          const n = ++seq;
          const thread = ids[n % ids.length];
          return {
            ...req,
            path: `/integration/box/1.0/posts/${encodeURIComponent(thread)}/messages`,
            body: JSON.stringify({
              id: `cx-${n}`,
              messageContent: { type: "TEXT", payload: { text: `Agent reply number ${n}` } },
              post: { idOnExternalPlatform: thread },
            }),
          };
        },
      },
    ],
    ...extra,
  };
}

async function run(options: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon(options);
  if (result.non2xx || result.errors)
    throw new Error(`load run had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return result;
}

export async function benchRelay(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "relay-bench-"));
  const sink = await startSink();
  const relay = await startChild(
    dir,
    profiled(bundle(dir, "src/relay/main.ts", "relay"), "relay"),
    {
      RELAY_PORT: "0",
      RELAY_HOST: "127.0.0.1",
      RELAY_CLIENT_ID: CLIENT_ID,
      RELAY_CLIENT_SECRET: CLIENT_SECRET,
      CXONE_HANDOVER_DEV_MODE: "1",
      RELAY_THREAD_KEY: THREAD_KEY,
      COGNIGY_ENDPOINT_URL: sink.url,
      RELAY_RATE_LIMIT_PER_MINUTE: "100000000",
      RELAY_MEMORY_STORE_MAX_KEYS: String(LRU_BOUND),
      LOG_LEVEL: "info",
    },
    /"url":"http:\/\/127\.0\.0\.1:(\d+)"/,
    profileArgs("relay"),
  );
  const bare = await startChild(
    dir,
    profiled(bundle(dir, "bench/bare-forwarder.ts", "bare"), "bare"),
    { SINK_URL: sink.url },
    /listening (\d+)/,
    profileArgs("bare"),
  );
  try {
    const relayBase = `http://127.0.0.1:${relay.port}`;
    const token = await fetch(`${relayBase}/integration/box/1.0/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials", client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const relayTarget = { base: relayBase, headers: { authorization: `Bearer ${token.access_token}` }, sent: 0 };
    const bareTarget = { base: `http://127.0.0.1:${bare.port}`, headers: {}, sent: 0 };

    // Warm-up, then throughput: as fast as 32 connections go.
    await run(load(relayTarget, { amount: 2000 }));
    await run(load(bareTarget, { amount: 2000 }));
    const relayMax = await run(load(relayTarget, { duration: THROUGHPUT_SECONDS }));
    const bareMax = await run(load(bareTarget, { duration: THROUGHPUT_SECONDS }));

    // Latency at a fixed 1,000 msg/s.
    const relayAt = await run(load(relayTarget, { duration: RATE_SECONDS, overallRate: RATE, connections: 16 }));
    const bareAt = await run(load(bareTarget, { duration: RATE_SECONDS, overallRate: RATE, connections: 16 }));

    // Memory: one de-dup key stays per delivered message. Fill the LRU to its bound (and a little past), then send
    // 100k more: past the bound, heap after GC and RSS must stay flat (growth there would be a leak).
    const fill = Math.max(0, LRU_BOUND - relayTarget.sent) + 10_000;
    await run(load(relayTarget, { amount: fill }));
    const atBound = await relay.memory();
    await run(load(relayTarget, { amount: SOAK_MESSAGES }));
    const after = await relay.memory();

    const ratio = relayMax.requests.average / bareMax.requests.average;
    const added = (p: "p50" | "p99") => relayAt.latency[p] - bareAt.latency[p];
    return [
      {
        section: "relay",
        metric: `throughput, 32 connections (msg/s)`,
        value: round(relayMax.requests.average, 0),
        baseline: round(bareMax.requests.average, 0),
        ratio: round(ratio),
        target: ">= 0.8x bare forwarder",
        met: ratio >= 0.8,
      },
      {
        section: "relay",
        metric: `latency p50 at ${RATE} msg/s (ms)`,
        value: relayAt.latency.p50,
        baseline: bareAt.latency.p50,
        ratio: round(added("p50"), 2),
        target: "ratio column = added ms",
      },
      {
        section: "relay",
        metric: `latency p99 at ${RATE} msg/s (ms)`,
        value: relayAt.latency.p99,
        baseline: bareAt.latency.p99,
        ratio: round(added("p99"), 2),
        target: "added p99 < 5 ms",
        met: added("p99") < 5,
      },
      {
        section: "relay",
        metric: `heap after GC: at the ${LRU_BOUND / 1000}k-key LRU bound -> after ${SOAK_MESSAGES / 1000}k more messages (MB)`,
        value: mb(after.heapUsed),
        baseline: mb(atBound.heapUsed),
        ratio: round(after.heapUsed / atBound.heapUsed),
        target: "no growth past the de-dup LRU bound (<= 1.05x)",
        met: after.heapUsed <= atBound.heapUsed * 1.05,
      },
      {
        section: "relay",
        metric: `RSS: at the ${LRU_BOUND / 1000}k-key LRU bound -> after ${SOAK_MESSAGES / 1000}k more messages (MB)`,
        value: mb(after.rss),
        baseline: mb(atBound.rss),
        ratio: round(after.rss / atBound.rss),
        target: "flat (<= 1.1x)",
        met: after.rss <= atBound.rss * 1.1,
      },
      { section: "relay", metric: "Notify calls received by the sink", value: sink.count() },
    ];
  } finally {
    // Waits for both graceful exits: that is when a CPU profile is written.
    const exited = [relay, bare].map(({ child }) => new Promise((r) => child.once("exit", r)));
    relay.child.kill("SIGTERM");
    bare.child.kill("SIGTERM");
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 10_000))]);
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
