import type { INodeDescriptor } from "@cognigy/extension-tools";
import { DATA_ONLY_PREFIX } from "../../src/handover/cognigy-platform";
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

/** One entry of `cognigy.lastConversationEntries` (rest-api-client 0.19.0 `ILastConversationEntry`). */
export interface ConversationEntry {
  source: "user" | "bot";
  text: string;
}

/** How many entries Cognigy keeps in lastConversationEntries ("the last user input and bot output strings"; ~10). */
export const LAST_ENTRIES_KEPT = 10;

export interface FlowRunnerOptions {
  /** Generative AI on: the platform passes lastConversationEntries (default true). Off: the member is absent. */
  generativeAi?: boolean;
  /**
   * Session expiration of the endpoint (messaging endpoints: 30 min by default, 0 = never). After it, the next user
   * input starts a new session with a new context; a Notify/Inject for the old session finds no context either.
   */
  sessionExpiryMs?: number;
  /** input.endpointType and input.channel (default "webchat3"). */
  endpointType?: string;
  /** Clock for session expiry (tests move it). */
  now?: () => number;
}

interface SessionState {
  session: Session;
  /** Oldest first; passed newest first, as Cognigy does. */
  entries: ConversationEntry[];
  /** The last user input (session expiry counts from it). */
  lastActivity: number;
  executions: number;
}

const randomChars = (n: number) =>
  Array.from({ length: n }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(Math.random() * 36)]).join("");

export class FlowRunner {
  private readonly descriptors = new Map<string, INodeDescriptor>();
  private readonly states = new Map<string, SessionState>();
  /** A conversation whose session expired continues under this session id (new context). */
  private readonly renewed = new Map<string, string>();
  private readonly profiles = new Map<string, Record<string, unknown>>();
  private readonly now: () => number;

  constructor(
    extension: { nodes: INodeDescriptor[] },
    private readonly flow: FlowStep[],
    /** Config every extension node gets merged under (the connection, typically). */
    private readonly shared: Record<string, unknown> = {},
    private readonly options: FlowRunnerOptions = {},
  ) {
    for (const node of extension.nodes) this.descriptors.set(node.type, node);
    this.now = options.now ?? Date.now;
  }

  /** The session with this id as it is now (created when new); looking never expires or replaces it. */
  session(key: { userId: string; sessionId: string; urlToken: string }): Session {
    return this.states.get(`${key.urlToken}|${key.userId}|${key.sessionId}`)?.session ?? this.state(key).session;
  }

  private state(
    key: { userId: string; sessionId: string; urlToken: string },
    source: "user" | "api" = "api",
  ): SessionState {
    const userKey = `${key.urlToken}|${key.userId}|${key.sessionId}`;
    const sessionId = source === "user" ? (this.renewed.get(userKey) ?? key.sessionId) : key.sessionId;
    const id = `${key.urlToken}|${key.userId}|${sessionId}`;
    let state = this.states.get(id);
    let expiredAt: number | undefined;
    const expiry = this.options.sessionExpiryMs ?? 0;
    if (state && expiry > 0 && this.now() - state.lastActivity > expiry) {
      if (source === "user") {
        // "Once a session has expired, a new one starts after the next user input."
        const fresh = `${key.sessionId}~${randomChars(6)}`;
        this.renewed.set(userKey, fresh);
        return this.state({ ...key, sessionId: fresh }, "api");
      }
      // Cognigy no longer has it: whatever runs for it starts from an empty context, and it stays expired.
      expiredAt = state.lastActivity;
      state = undefined;
    }
    if (!state) {
      const session = newSession({
        userId: key.userId,
        sessionId,
        URLToken: key.urlToken,
        channel: this.options.endpointType ?? "webchat3",
        endpointType: this.options.endpointType ?? "webchat3",
      });
      // The contact profile belongs to the user, not the session.
      const profileKey = `${key.urlToken}|${key.userId}`;
      session.profile = this.profiles.get(profileKey) ?? session.profile;
      this.profiles.set(profileKey, session.profile);
      state = { session, entries: [], lastActivity: expiredAt ?? this.now(), executions: 0 };
      this.states.set(id, state);
    }
    return state;
  }

  /** The session id user input of this conversation currently runs under (changes when a session expired). */
  currentSessionId(key: { userId: string; sessionId: string; urlToken: string }): string {
    return this.renewed.get(`${key.urlToken}|${key.userId}|${key.sessionId}`) ?? key.sessionId;
  }

  /**
   * One flow execution for one input (a user message, or an Inject) on a NEW input object, as Cognigy builds one per
   * message; context persists across executions of the session. Input with data but no text gets Cognigy's implicit
   * DATA_ONLY_MESSAGE_ text.
   */
  async execute(
    key: { userId: string; sessionId: string; urlToken: string },
    input: { text?: string; data?: unknown },
    source: "user" | "api" = "api",
  ): Promise<FlowExecution> {
    const state = this.state(key, source);
    const { session } = state;
    const data = input.data && typeof input.data === "object" ? input.data : {};
    const hasData = Object.keys(data).length > 0;
    const text = input.text ? input.text : hasData ? `${DATA_ONLY_PREFIX}${randomChars(20)}` : "";
    const previous = session.input;
    state.executions += 1;
    session.input = {
      text,
      data,
      mode: hasData ? "TextData" : "TextOnly",
      userId: previous.userId,
      sessionId: previous.sessionId,
      URLToken: previous.URLToken,
      channel: previous.channel,
      endpointType: previous.endpointType,
      execution: state.executions,
      inputId: `input-${randomChars(8)}${Date.now().toString(36)}`,
    };
    // The session lives as long as the user writes; a Notify or Inject does not keep it alive (not documented either way).
    if (source === "user") state.lastActivity = this.now();
    if (text) state.entries.push({ source: "user", text });
    const execution: FlowExecution = { outputs: [], nodes: [], errors: [] };
    await this.steps(this.flow, state, execution);
    for (const output of execution.outputs) if (output.text) state.entries.push({ source: "bot", text: output.text });
    state.entries.splice(0, Math.max(0, state.entries.length - LAST_ENTRIES_KEPT));
    return execution;
  }

  /** What the platform passes besides api/input/context/profile. */
  private platformMembers(state: SessionState, execution: FlowExecution): Record<string, unknown> {
    if (this.options.generativeAi === false) return {};
    const entries = [...state.entries, ...botSoFar(execution)];
    return { lastConversationEntries: entries.slice(-LAST_ENTRIES_KEPT).reverse() };
  }

  /** Returns false when the execution stopped. */
  private async steps(steps: FlowStep[], state: SessionState, execution: FlowExecution): Promise<boolean> {
    const { session } = state;
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
        if (!(await this.steps(branch, state, execution))) return false;
        continue;
      }
      const descriptor = this.descriptors.get(step.node);
      if (!descriptor) throw new Error(`flow uses unknown node type ${step.node}`);
      const run = await runNode(descriptor, {
        config: { ...this.shared, ...step.config },
        session,
        cognigy: this.platformMembers(state, execution),
      });
      execution.nodes.push({ type: step.node, label: step.label, run });
      execution.outputs.push(...run.outputs);
      if (run.error) {
        execution.errors.push(run.error);
        return false;
      }
      // A terminated node (input.extensionError) does not stop the flow: it continues below the node.
      if (run.stopped) return false;
      const branch = run.outcome ? step.branches?.[run.outcome.slice(step.node.length)] : undefined;
      if (branch && !(await this.steps(branch, state, execution))) return false;
    }
    return true;
  }
}

const botSoFar = (execution: FlowExecution): ConversationEntry[] =>
  execution.outputs.filter((o) => o.text).map((o) => ({ source: "bot", text: o.text as string }));
