import type { INodeDescriptor } from "@cognigy/extension-tools";

/**
 * Runs a node function the way Cognigy.AI does, and holds it to the platform's limits: at most 10 `api.*` calls per
 * execution (`api.log` exempt), 62 KB per argument, 20 s in total. Every call is recorded for assertions.
 */

export const API_CALL_LIMIT = 10;
export const ARGUMENT_LIMIT_BYTES = 62 * 1024;
export const EXECUTION_LIMIT_MS = 20_000;

export interface ApiCall {
  method: string;
  args: unknown[];
}

export interface Output {
  text?: string;
  data?: unknown;
}

export interface LogLine {
  level: string;
  text: string;
}

export class PlatformLimitError extends Error {}

export interface Session {
  input: Record<string, unknown>;
  context: Record<string, unknown>;
  profile: Record<string, unknown>;
}

export interface NodeRun {
  calls: ApiCall[];
  outputs: Output[];
  logs: LogLine[];
  nextNode?: string;
  /** api.stopExecution was called: the flow ends here for this input. */
  stopped?: boolean;
  /** The child node type the run went to (resolved from nextNode). */
  outcome?: string;
  error?: unknown;
  durationMs: number;
}

export interface RunOptions {
  config: Record<string, unknown>;
  session: Session;
  /** Child node types of the descriptor; ids are made up as `${type}-id`. */
  children?: string[];
  nodeId?: string;
  /** More members of the `cognigy` argument, as newer platforms pass them (e.g. lastConversationEntries). */
  cognigy?: Record<string, unknown>;
  /** api members this platform version lacks (e.g. ["stopExecution"]). */
  omitApi?: string[];
}

function argSize(value: unknown): number {
  if (value === undefined) return 0;
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export async function runNode(descriptor: INodeDescriptor, options: RunOptions): Promise<NodeRun> {
  const run: NodeRun = { calls: [], outputs: [], logs: [], durationMs: 0 };
  const { session } = options;
  const childConfigs = (options.children ?? descriptor.dependencies?.children ?? []).map((type) => ({
    id: `${type}-id`,
    type,
    config: {},
  }));

  const record = (method: string, args: unknown[]) => {
    run.calls.push({ method, args });
    if (run.calls.length > API_CALL_LIMIT) {
      throw new PlatformLimitError(`${descriptor.type}: more than ${API_CALL_LIMIT} api calls in one execution`);
    }
    for (const arg of args) {
      const size = argSize(arg);
      if (size > ARGUMENT_LIMIT_BYTES) {
        throw new PlatformLimitError(`${descriptor.type}: api.${method} argument of ${size} bytes exceeds 62 KB`);
      }
    }
  };

  const api: Record<string, unknown> = {
    log: (level: string, text: string) => {
      run.logs.push({ level, text });
    },
    say: (text?: string, data?: unknown) => {
      record("say", [text, data]);
      run.outputs.push({ text, data });
    },
    output: (text?: string, data?: unknown) => {
      record("output", [text, data]);
      run.outputs.push({ text, data });
    },
    setNextNode: (id: string) => {
      record("setNextNode", [id]);
      run.nextNode = id;
    },
    addToContext: (key: string, value: unknown, mode: string) => {
      record("addToContext", [key, value, mode]);
      if (mode === "array") {
        const current = session.context[key];
        session.context[key] = Array.isArray(current) ? [...current, value] : [value];
      } else {
        session.context[key] = value;
      }
    },
    getContext: (key: string) => {
      record("getContext", [key]);
      return session.context[key];
    },
    removeFromContext: (key: string) => {
      record("removeFromContext", [key]);
      delete session.context[key];
    },
    deleteContext: (key: string) => {
      record("deleteContext", [key]);
      delete session.context[key];
    },
    addToInput: (key: string, value: unknown) => {
      record("addToInput", [key, value]);
      session.input[key] = value;
    },
    stopExecution: () => {
      record("stopExecution", []);
      run.stopped = true;
    },
  };
  for (const member of options.omitApi ?? []) delete api[member];

  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const execution = descriptor.function!({
      cognigy: {
        ...options.cognigy,
        api,
        input: session.input,
        context: session.context,
        profile: session.profile,
      } as never,
      config: options.config,
      childConfigs,
      nodeId: options.nodeId ?? `${descriptor.type}-node`,
    });
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PlatformLimitError(`${descriptor.type}: execution exceeded ${EXECUTION_LIMIT_MS} ms`)),
        EXECUTION_LIMIT_MS,
      );
    });
    await Promise.race([execution, limit]);
  } catch (err) {
    run.error = err;
  } finally {
    clearTimeout(timer);
    run.durationMs = Date.now() - started;
  }
  run.outcome = childConfigs.find((c) => c.id === run.nextNode)?.type;
  return run;
}

/** A fresh session as Cognigy would hand it to a flow for one user message. */
export function newSession(overrides: Partial<Session["input"]> = {}): Session {
  return {
    input: {
      text: "",
      data: {},
      userId: "user-42",
      sessionId: "session-42",
      URLToken: "4e5e0c2f9a1b4c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c17",
      channel: "webchat3",
      inputId: `input-${Math.random().toString(36).slice(2)}`,
      ...overrides,
    },
    context: {},
    profile: { firstname: "Jane", lastname: "Doe", email: "jane.doe@example.com" },
  };
}
