import { join } from "node:path";
import type { DestinationStream } from "pino";
import { takesDataEvents } from "../../src/handover/cognigy-platform";
import { encodeThreadId } from "../../src/handover/thread";
import { type Relay, startRelay } from "../../src/relay/server";
import { CognigyEndpoint, type Conversation } from "../emulator/cognigy-endpoint";
import { FlowRunner, type FlowRunnerOptions, type FlowStep, loadExtension } from "../emulator/flow";
import { ByocAgent, type ByocAgentOptions } from "../sandbox/byoc-agent";
import {
  type CxoneSandbox,
  type SandboxAgent,
  type SandboxBehaviour,
  type SandboxCase,
  startCxoneSandbox,
} from "../sandbox/cxone-sandbox";

/**
 * Everything a handover touches, on loopback: the CXone sandbox (with a scripted agent that replies through the BYOC
 * callback), the relay, and a Cognigy endpoint running a small flow of our nodes from the built bundle.
 */

export const DEMO_SKILL_ID = "4242";

/** The flow a designer would build: the gate first, the bot under OnNoHandover. */
export function demoFlow(options: { queueUpdates?: boolean } = {}): FlowStep[] {
  const asksForAgent = (text: unknown) => /\b(agent|human|person|someone)\b/i.test(String(text ?? ""));
  return [
    {
      node: "cxoneSendToAgent",
      label: "Send to Agent (gate)",
      branches: {
        OnNoHandover: [
          {
            when: (s) => asksForAgent(s.input.text),
            steps: [
              {
                node: "cxoneCheckAvailability",
                config: { skillId: DEMO_SKILL_ID, minAgentsAvailable: 1 },
                branches: {
                  OnAvailable: [
                    {
                      node: "cxoneHandover",
                      config: {
                        text: "Connecting you with an agent. I'm sending them our conversation so you don't have to repeat yourself.",
                        sendTranscript: true,
                        displayAgentDetails: true,
                        skillId: DEMO_SKILL_ID,
                        cancelKeywords: ["cancel", "stop"],
                        // Interactive demo: place in the queue every 10 s (the shortest interval) while waiting.
                        ...(options.queueUpdates
                          ? { getQueuePosition: true, getEstimatedWaitTime: true, updateIntervalQueuePosition: 10 }
                          : {}),
                      },
                      branches: {
                        OnError: [{ say: "Sorry, I couldn't reach an agent right now. Please try again in a moment." }],
                      },
                    },
                  ],
                  OnUnavailable: [{ say: "All our agents are busy right now. I'll keep helping you in the meantime." }],
                  OnError: [{ say: "Sorry, I couldn't check for agents right now." }],
                },
              },
            ],
            otherwise: [
              {
                when: (s) => /\b(hours|open)\b/i.test(String(s.input.text ?? "")),
                steps: [{ say: "We're open Monday to Friday, 9:00 to 17:00." }],
                otherwise: [{ say: "I'm the demo bot. I can tell you our opening hours, or get you an agent." }],
              },
            ],
          },
        ],
        OnResolved: [{ say: "The agent has closed the chat. I'm back. Is there anything else I can do for you?" }],
        OnEnded: [{ say: "The chat with the agent has ended. I'm back. Is there anything else I can do for you?" }],
        OnCancelled: [{ say: "OK, I've cancelled the request for an agent. How else can I help?" }],
        OnError: [{ say: "Sorry, your message could not be delivered to the agent. Please try again." }],
      },
    },
  ];
}

export interface WorldOptions {
  /** The extension to load (default: build/module.js, bundled first). */
  modulePath?: string;
  pollIntervalMs?: number;
  /** Relay JSON logs (default: discarded). */
  relayLogStream?: DestinationStream;
  byocMode?: "posts" | "outbound";
  /** How the sandbox reads what NiCE leaves undocumented (default: DEFAULT_BEHAVIOUR). */
  behaviour?: Partial<SandboxBehaviour>;
  /** What the legacy reply's postId is (see ByocAgentOptions.legacyPostId). */
  legacyPostId?: ByocAgentOptions["legacyPostId"];
  /** How the emulated platform behaves (endpoint type, Generative AI, session expiry). */
  platform?: FlowRunnerOptions;
  /** The handover asks for queue updates (the interactive demo). */
  queueUpdates?: boolean;
  /** The tenant's agents (default: the sandbox's Anna and Ben). */
  agents?: SandboxAgent[];
}

export interface World {
  sandbox: CxoneSandbox;
  relay: Relay;
  endpoint: CognigyEndpoint;
  agent: ByocAgent;
  conversation: Conversation;
  /** Every secret in this world (credentials, the relay's client secret, tokens issued so far): never to be shown. */
  secrets(): string[];
  /** The end user writes. */
  user(text: string): ReturnType<CognigyEndpoint["userSays"]>;
  /** The case of the current handover (the newest on the conversation's threads). */
  currentCase(): SandboxCase | undefined;
  /** Waits until the handover has opened a case. */
  waitForCase(timeoutMs?: number): Promise<SandboxCase>;
  /** The agent writes in CXone; resolves with the relay's answer to CXone. */
  agentSays(text: string): ReturnType<ByocAgent["reply"]>;
  assignAgent(agentId?: string): SandboxCase;
  /** The agent starts or stops typing; resolves with the relay's answer to CXone. */
  agentTyping(on: boolean): ReturnType<ByocAgent["typing"]>;
  /** Whether this conversation's endpoint gets typing indicators (Socket and Webhook do, Webchat does not). */
  forwardsTyping: boolean;
  closeCase(): SandboxCase;
  /** Other conversations' cases join the queue ahead of this one (opened a minute earlier). */
  queueAhead(count: number): string[];
  /** Routing gives the oldest other queued case to an agent (the user moves up); undefined when none waits. */
  serveNext(): SandboxCase | undefined;
  stop(): Promise<void>;
}

const discard: DestinationStream = { write: () => undefined };

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const modulePath = options.modulePath ?? bundleForDemo();
  const extension = loadExtension(modulePath);
  const sandbox = await startCxoneSandbox({ behaviour: options.behaviour, agents: options.agents });
  sandbox.setSkillActivity(DEMO_SKILL_ID, { agentsAvailable: 2, agentsLoggedIn: 3, queueCount: 0 });

  const connection = sandbox.connection();
  const runner = new FlowRunner(
    extension as never,
    demoFlow({ queueUpdates: options.queueUpdates }),
    { connection },
    options.platform,
  );
  const endpoint = await new CognigyEndpoint({ runner }).start();
  const relayCredentials = { clientId: "cxone-byoc", clientSecret: "demo-relay-secret-3b9f0c2e7a41" };
  const relay = await startRelay(
    {
      port: 0,
      host: "127.0.0.1",
      ...relayCredentials,
      cognigyEndpointUrl: endpoint.url,
      cxone: connection,
      threadKey: connection.threadKey,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      logLevel: "info",
    },
    { logStream: options.relayLogStream ?? discard },
  );
  const agent = new ByocAgent({
    relayBoxUrl: relay.boxUrl,
    ...relayCredentials,
    mode: options.byocMode ?? "posts",
    legacyPostId: options.legacyPostId,
  });
  const conversation: Conversation = {
    userId: "jane.doe@example.com",
    sessionId: `demo-session-${Date.now().toString(36)}`,
    urlToken: "4e5e0c2f9a1b4c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c17",
  };
  const session = endpoint.session(conversation);
  Object.assign(session.profile, { firstname: "Jane", lastname: "Doe", email: "jane.doe@example.com" });

  const currentCase = () => {
    const threadId = (session.context.cxoneHandover as { threadId?: string } | undefined)?.threadId;
    return threadId ? sandbox.caseForThread(threadId) : undefined;
  };
  const key = connection.threadKey;
  let others = 0;
  const mustCase = () => {
    const c = currentCase();
    if (!c) throw new Error("no handover case yet");
    return c;
  };

  return {
    sandbox,
    relay,
    endpoint,
    agent,
    conversation,
    secrets: () => [
      sandbox.credentials.clientSecret,
      sandbox.credentials.accessKeySecret,
      relayCredentials.clientSecret,
      ...sandbox.issuedTokens(),
    ],
    user: (text) => endpoint.userSays(conversation, text),
    currentCase,
    async waitForCase(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const c = currentCase();
        if (c) return c;
        if (Date.now() > until) throw new Error("the handover opened no case");
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    agentSays: (text) => agent.reply(sandbox, mustCase().id, text),
    assignAgent: (agentId) => sandbox.assignAgent(mustCase().id, agentId),
    agentTyping: (on) => agent.typing(sandbox, mustCase().id, on),
    forwardsTyping: takesDataEvents(options.platform?.endpointType ?? "webchat3"),
    closeCase: () => sandbox.closeCase(mustCase().id, "resolved"),
    queueAhead(count) {
      const first = Date.parse(currentCase()?.createdAt ?? new Date().toISOString()) - 60_000;
      others += count;
      const ids = sandbox.createCases(
        Array.from({ length: count }, (_, i) => {
          const n = others - i;
          const ref = { userId: `other-${n}`, sessionId: `other-${n}`, urlToken: `other${n}`, handoverId: `o${n}` };
          return { endUserId: ref.userId, threadId: encodeThreadId({ ...ref, displayAgentDetails: false }, key) };
        }),
      );
      ids.forEach((id, i) => {
        sandbox.cases.get(id)!.createdAt = new Date(first - (others - i) * 1000).toISOString();
      });
      return ids;
    },
    serveNext() {
      const mine = currentCase()?.id;
      const next = [...sandbox.cases.values()]
        .filter((c) => c.id !== mine && c.status === "new" && !c.inboxAssigneeUser)
        .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))[0];
      return next ? sandbox.assignAgent(next.id, "1002") : undefined;
    },
    async stop() {
      await relay.close();
      await endpoint.stop();
      await sandbox.stop();
    },
  };
}

/** Bundles src/module.ts exactly as build.sh does, into build/module.js. */
export function bundleForDemo(): string {
  const root = join(__dirname, "..", "..");
  const { bundle } = require(join(root, "scripts", "bundle.js")) as { bundle: (out?: string) => string };
  return bundle(join(root, "build", "module.js"));
}
