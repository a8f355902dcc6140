import type { INodeDescriptor } from "@cognigy/extension-tools";
import { handoverNode } from "../../nodes/handover";
import { clearAuthCache, secretsOf } from "../../src/cxone";
import type { NodeClientOptions } from "../../src/node-kit";
import {
  API_CALL_LIMIT,
  ARGUMENT_LIMIT_BYTES,
  type NodeRun,
  newSession,
  type RunOptions,
  runNode,
  type Session,
} from "../../testbed/emulator/runtime";
import type { SandboxOptions } from "../../testbed/sandbox/cxone-sandbox";
import { useSandbox } from "./sandbox";

/**
 * Node tests: a sandbox per file, and a runner that gives the node the sandbox connection and instant retry sleeps
 * (plus the client options a test passes for that one run, e.g. a short deadline), and checks what every node must respect (no platform limit hit, no secret anywhere the flow or its logs can see).
 */
export function useNodeEnv(options: SandboxOptions = {}) {
  const env = useSandbox(options);
  beforeEach(() => {
    clearAuthCache();
  });
  return env;
}

export type Env = ReturnType<typeof useNodeEnv>;

/** What every node test run gets: retries without real backoff, so retry tests stay fast and deterministic. */
export const NODE_TEST_CLIENT_OPTIONS: NodeClientOptions = { sleep: async () => {} };

export async function runWith(
  env: Env,
  descriptor: INodeDescriptor,
  session: Session,
  config: Record<string, unknown> = {},
  extra: Partial<RunOptions> = {},
): Promise<NodeRun> {
  const run = await runNode(descriptor, {
    config: { connection: env.sandbox.connection(), ...config },
    session,
    ...extra,
    clientOptions: { ...NODE_TEST_CLIENT_OPTIONS, ...extra.clientOptions },
  });
  expect(run.error).toBeUndefined();
  expect(run.extensionError).toBeUndefined();
  expect(run.calls.length).toBeLessThanOrEqual(API_CALL_LIMIT);
  for (const call of run.calls) expect(JSON.stringify(call.args).length).toBeLessThanOrEqual(ARGUMENT_LIMIT_BYTES);
  expectNoSecrets(env, run, session);
  return run;
}

/** Every secret the nodes hold (the connection's secret fields, thread key included) and each token the sandbox issued. */
export function sandboxSecrets(env: Env): string[] {
  const tokens = [...(env.sandbox as unknown as { tokens: Map<string, number> }).tokens.keys()];
  return [...secretsOf(env.sandbox.connection()), ...tokens];
}

export function expectNoSecrets(env: Env, run: NodeRun, session: Session): void {
  const visible = JSON.stringify([run.outputs, run.logs, run.calls, session.context, session.input]);
  for (const secret of sandboxSecrets(env)) expect(visible).not.toContain(secret);
}

export { newSession };
export const calls = (run: NodeRun, method: string) => run.calls.filter((c) => c.method === method);
export const errorOf = (session: Session) =>
  (session.input.cxone as { error?: { code: string; message: string; status?: number; retryable: boolean } })?.error;

/** A handover as the nodes keep it in context: the fields tests read by name, and the rest. */
export type HandoverState = {
  contactId: string;
  threadId: string;
  handoverId: string;
  status: string;
  active: boolean;
  sent: number;
} & Record<string, unknown>;
export const stateOf = (s: Session) => s.context.cxoneHandover as HandoverState;

/** A handover opened by the Hand over node (no transcript unless configured); the sandbox forgets its requests. */
export async function openHandover(e: Env, config: Record<string, unknown> = {}): Promise<Session> {
  const session = newSession({ text: "agent" });
  await runWith(e, handoverNode, session, { sendTranscript: false, ...config });
  e.sandbox.resetRequests();
  return session;
}

/** The next user input in the same session, as Cognigy would hand it over. */
export function next(session: Session, input: Record<string, unknown>): Session {
  session.input = { ...session.input, data: {}, inputId: `in-${Math.random().toString(36).slice(2)}`, ...input };
  delete session.input.cxone;
  return session;
}

/** As Cognigy passes lastConversationEntries before a handover: newest first (index 0 = the current input). */
export const handoverEntries = [
  { source: "bot", text: "I will connect you with an agent." },
  { source: "user", text: "jane.doe@example.com, or call +49 170 1234567" },
  { source: "bot", text: "Sorry to hear that. What is your e-mail?" },
  { source: "user", text: "Hi, my card 4111 1111 1111 1111 was charged twice" },
];
