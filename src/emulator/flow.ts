import type { INodeDescriptor } from "@cognigy/extension-tools";
import { type NodeRun, newSession, runNode, type Session } from "./runtime";

/**
 * A small stand-in for a Cognigy flow: a list of steps, each an extension node (with branches per outcome child
 * type), a bot message, or a custom function. As in Cognigy, after a branch ends the flow continues below the node
 * that branched, unless a step stopped the execution.
 */
export type FlowStep =
  | { node: string; label?: string; config?: Record<string, unknown>; branches?: Record<string, FlowStep[]> }
  | { say: string; data?: unknown }
  | { run: (session: Session) => void | Promise<void> }
  | { when: (session: Session) => boolean; steps: FlowStep[]; otherwise?: FlowStep[] }
  | { stop: true };

export interface ExecutedNode {
  type: string;
  label?: string;
  run: NodeRun;
}

export interface FlowExecution {
  outputs: { text?: string; data?: unknown }[];
  nodes: ExecutedNode[];
  errors: unknown[];
}

/** Loads an extension module the way Cognigy does: require() of `main`, default export or module.exports. */
export function loadExtension(modulePath: string): { nodes: INodeDescriptor[]; connections: unknown[] } {
  const mod = require(modulePath);
  return mod.default ?? mod;
}

/** What newer platforms pass as `cognigy.lastConversationEntries` (assumed oldest first). */
export interface ConversationEntry {
  source: "user" | "bot";
  text: string;
}

export class FlowRunner {
  private readonly descriptors = new Map<string, INodeDescriptor>();
  readonly sessions = new Map<string, Session>();
  private readonly entries = new WeakMap<Session, ConversationEntry[]>();

  constructor(
    extension: { nodes: INodeDescriptor[] },
    private readonly flow: FlowStep[],
    /** Config every extension node gets merged under (the connection, typically). */
    private readonly shared: Record<string, unknown> = {},
  ) {
    for (const node of extension.nodes) this.descriptors.set(node.type, node);
  }

  session(key: { userId: string; sessionId: string; urlToken: string }): Session {
    const id = `${key.urlToken}|${key.userId}|${key.sessionId}`;
    let session = this.sessions.get(id);
    if (!session) {
      session = newSession({ userId: key.userId, sessionId: key.sessionId, URLToken: key.urlToken });
      this.sessions.set(id, session);
    }
    return session;
  }

  /** One flow execution for one input (a user message, or an Inject). Context persists across executions. */
  async execute(session: Session, input: { text?: string; data?: unknown }): Promise<FlowExecution> {
    session.input = {
      ...session.input,
      text: input.text ?? "",
      data: input.data ?? {},
      inputId: `input-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
    };
    delete session.input.cxone;
    const entries = this.entries.get(session) ?? [];
    this.entries.set(session, entries);
    if (input.text) entries.push({ source: "user", text: input.text });
    const execution: FlowExecution = { outputs: [], nodes: [], errors: [] };
    await this.steps(this.flow, session, execution);
    for (const output of execution.outputs) if (output.text) entries.push({ source: "bot", text: output.text });
    return execution;
  }

  /** Returns false when the execution stopped. */
  private async steps(steps: FlowStep[], session: Session, execution: FlowExecution): Promise<boolean> {
    for (const step of steps) {
      if ("stop" in step) return false;
      if ("say" in step) {
        execution.outputs.push({ text: step.say, data: step.data });
        continue;
      }
      if ("run" in step) {
        await step.run(session);
        continue;
      }
      if ("when" in step) {
        const branch = step.when(session) ? step.steps : (step.otherwise ?? []);
        if (!(await this.steps(branch, session, execution))) return false;
        continue;
      }
      const descriptor = this.descriptors.get(step.node);
      if (!descriptor) throw new Error(`flow uses unknown node type ${step.node}`);
      const run = await runNode(descriptor, {
        config: { ...this.shared, ...step.config },
        session,
        cognigy: { lastConversationEntries: [...(this.entries.get(session) ?? []), ...botSoFar(execution)] },
      });
      execution.nodes.push({ type: step.node, label: step.label, run });
      execution.outputs.push(...run.outputs);
      if (run.error) {
        execution.errors.push(run.error);
        return false;
      }
      if (run.calls.some((c) => c.method === "stopExecution")) return false;
      const branch = run.outcome ? step.branches?.[run.outcome.slice(step.node.length)] : undefined;
      if (branch && !(await this.steps(branch, session, execution))) return false;
    }
    return true;
  }
}

const botSoFar = (execution: FlowExecution): ConversationEntry[] =>
  execution.outputs.filter((o) => o.text).map((o) => ({ source: "bot", text: o.text as string }));
