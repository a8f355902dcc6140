import http from "node:http";
import type { INodeDescriptor } from "@cognigy/extension-tools";
import axios from "axios";
import { bundleForDemo } from "../testbed/demo/world";
import { newSession, runNode, type Session } from "../testbed/emulator/runtime";
import { type CxoneSandbox, startCxoneSandbox } from "../testbed/sandbox/cxone-sandbox";
import { median, percentile, type Row, round } from "./util";

const SKILL = "4242";
const OVERHEAD_RUNS = 300;

/** A fresh copy of the bundle: its own token cache, as after the Cognigy runtime was torn down. */
function freshExtension(modulePath: string): Map<string, INodeDescriptor> {
  delete require.cache[require.resolve(modulePath)];
  const mod = require(modulePath);
  const ext = (mod.default ?? mod) as { nodes: INodeDescriptor[] };
  return new Map(ext.nodes.map((n) => [n.type, n]));
}

const entries = Array.from({ length: 12 }, (_, i) => ({
  source: i % 2 ? "bot" : "user",
  text: i % 2 ? `Bot answer number ${i} with some detail about the order.` : `Customer question ${i}?`,
}));

async function run(
  nodes: Map<string, INodeDescriptor>,
  type: string,
  sandbox: CxoneSandbox,
  session: Session,
  config = {},
) {
  const result = await runNode(nodes.get(type)!, {
    config: { connection: sandbox.connection(), ...config },
    session,
    cognigy: { lastConversationEntries: entries },
  });
  if (result.error) throw result.error;
  return result;
}

/** Requests one node execution sends to CXone, counted at the sandbox. */
async function requestsOf(sandbox: CxoneSandbox, action: () => Promise<unknown>): Promise<number> {
  sandbox.resetRequests();
  await action();
  return sandbox.requests.length;
}

export async function benchNodes(): Promise<Row[]> {
  const modulePath = bundleForDemo();
  const sandbox = await startCxoneSandbox();
  sandbox.setSkillActivity(SKILL, { agentsAvailable: 2, agentsLoggedIn: 2 });
  const rows: Row[] = [];
  try {
    // Cold: a fresh runtime (new bundle instance, empty context) for the first CXone call.
    const cold = await requestsOf(sandbox, () =>
      run(freshExtension(modulePath), "cxoneCheckAvailability", sandbox, newSession(), { skillId: SKILL }),
    );
    rows.push({
      section: "requests",
      metric: "cold: first node call (auth + discovery + job)",
      value: cold,
      baseline: 4,
      ratio: round(cold / 4),
      target: "openid + token + tenant discovery + 1",
      met: cold === 4,
    });

    const nodes = freshExtension(modulePath);
    const session = newSession();
    await run(nodes, "cxoneCheckAvailability", sandbox, session, { skillId: SKILL }); // warms the token
    const economy: [string, () => Promise<unknown>, () => number][] = [
      [
        "cxoneCheckAvailability",
        () => run(nodes, "cxoneCheckAvailability", sandbox, session, { skillId: SKILL }),
        () => 1,
      ],
      [
        "cxoneHandover (12-turn transcript)",
        () => run(nodes, "cxoneHandover", sandbox, session, { sendTranscript: true }),
        () => inboundCount(sandbox, session),
      ],
      [
        "cxoneSendToAgent",
        () => {
          session.input = { ...session.input, text: "Where is my parcel?", inputId: `bench-${Date.now()}` };
          return run(nodes, "cxoneSendToAgent", sandbox, session);
        },
        () => 1,
      ],
      ["cxoneSendTranscript", () => run(nodes, "cxoneSendTranscript", sandbox, session), () => 1],
      [
        "cxoneAgentDetails",
        () => {
          const c = sandbox.caseForThread((session.context.cxoneHandover as { threadId: string }).threadId)!;
          sandbox.assignAgent(c.id, "1001");
          return run(nodes, "cxoneAgentDetails", sandbox, session);
        },
        () => 1,
      ],
      ["cxoneEndHandover", () => run(nodes, "cxoneEndHandover", sandbox, session), () => 1],
    ];
    for (const [name, action, minimum] of economy) {
      const used = await requestsOf(sandbox, action);
      const min = minimum();
      rows.push({
        section: "requests",
        metric: `warm: ${name}`,
        value: used,
        baseline: min,
        ratio: round(used / min),
        target: "1.00",
        met: used === min,
      });
    }

    rows.push(...(await overhead(nodes, sandbox)));
  } finally {
    await sandbox.stop();
  }
  return rows;
}

/** Messages the handover wrote to its case: its minimum is one request per message (transcript chunks). */
function inboundCount(sandbox: CxoneSandbox, session: Session): number {
  const threadId = (session.context.cxoneHandover as { threadId: string }).threadId;
  return sandbox.caseForThread(threadId)?.messages.length ?? Number.NaN;
}

/** Send to Agent (the whole node: context, validation, client, request) vs a bare http.request of the same body. */
async function overhead(nodes: Map<string, INodeDescriptor>, sandbox: CxoneSandbox): Promise<Row[]> {
  const session = newSession({ sessionId: "bench-overhead" });
  await run(nodes, "cxoneHandover", sandbox, session, { sendTranscript: false });
  const threadId = (session.context.cxoneHandover as { threadId: string }).threadId;
  const token = await bareToken(sandbox);
  const url = new URL(`${sandbox.url}/dfo/3.0/channels/${sandbox.channels[0].id}/messages`);
  const agent = new http.Agent({ keepAlive: true });

  const nodeTimes: number[] = [];
  const bareTimes: number[] = [];
  const axiosTimes: number[] = [];
  // The extension must use axios; this isolates what axios itself costs over node:http from what our code adds.
  const ax = axios.create({ httpAgent: agent, maxRedirects: 0, validateStatus: () => true, proxy: false });
  for (let i = 0; i < OVERHEAD_RUNS + 20; i++) {
    session.input = { ...session.input, text: `message ${i}`, inputId: `overhead-${i}` };
    let t = process.hrtime.bigint();
    await run(nodes, "cxoneSendToAgent", sandbox, session);
    const nodeMs = Number(process.hrtime.bigint() - t) / 1e6;

    const body = JSON.stringify({
      idOnExternalPlatform: `bare-${i}`,
      direction: "inbound",
      createdAtWithMilliseconds: new Date().toISOString(),
      thread: { idOnExternalPlatform: threadId },
      messageContent: { type: "TEXT", payload: { text: `message ${i}` } },
      authorEndUserIdentity: { idOnExternalPlatform: "user-42", firstName: "Jane", lastName: "Doe" },
    });
    t = process.hrtime.bigint();
    await post(url, body, token, agent);
    const bareMs = Number(process.hrtime.bigint() - t) / 1e6;

    const axiosBody = body.replace(`bare-${i}`, `axios-${i}`);
    t = process.hrtime.bigint();
    await ax.post(url.toString(), axiosBody, {
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, Accept: "application/json" },
    });
    const axiosMs = Number(process.hrtime.bigint() - t) / 1e6;
    if (i >= 20) {
      // the first 20 of each warm up JIT and sockets
      nodeTimes.push(nodeMs);
      bareTimes.push(bareMs);
      axiosTimes.push(axiosMs);
    }
  }
  agent.destroy();
  const ratio = median(nodeTimes) / median(bareTimes);
  return [
    {
      section: "overhead",
      metric: `cxoneSendToAgent median of ${OVERHEAD_RUNS} (ms)`,
      value: round(median(nodeTimes), 3),
      baseline: round(median(bareTimes), 3),
      ratio: round(ratio),
      target: "<= 1.3x bare http.request",
      met: ratio <= 1.3,
    },
    {
      section: "overhead",
      metric: `axios.post of the same body, median of ${OVERHEAD_RUNS} (ms)`,
      value: round(median(axiosTimes), 3),
      baseline: round(median(bareTimes), 3),
      ratio: round(median(axiosTimes) / median(bareTimes)),
      target: "(floor set by the mandated HTTP library)",
    },
    {
      section: "overhead",
      metric: "cxoneSendToAgent vs axios.post: what our node adds",
      value: round(median(nodeTimes) - median(axiosTimes), 3),
      baseline: round(median(axiosTimes), 3),
      ratio: round(median(nodeTimes) / median(axiosTimes)),
    },
    {
      section: "overhead",
      metric: "cxoneSendToAgent p99 (ms)",
      value: round(percentile(nodeTimes, 99), 3),
      baseline: round(percentile(bareTimes, 99), 3),
      ratio: round(percentile(nodeTimes, 99) / percentile(bareTimes, 99)),
    },
  ];
}

function post(url: URL, body: string, token: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, Accept: "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`bare POST: ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function bareToken(sandbox: CxoneSandbox): Promise<string> {
  const c = sandbox.credentials;
  const res = await fetch(`${sandbox.url}/auth/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "password", username: c.accessKeyId, password: c.accessKeySecret }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
