// The Cognigy runtime emulator: runs a node as Cognigy.AI does, with its limits; flows and endpoints build on it.
import type { INodeDescriptor } from "@cognigy/extension-tools";
import { CLIENT_OPTIONS_PARAM, type NodeClientOptions } from "../../src/node-kit";

/**
 * Runs a node function the way Cognigy.AI does, and holds it to the platform's limits (docs: Extensions, Limitations):
 * at most 10 `api.*` calls per execution (`api.log` exempt), 62 KB per object argument, 20 s in total. As on the
 * platform, a node that times out or makes an 11th call is terminated, `input.extensionError` says why, its later calls
 * are ignored and the flow continues below the node ("the Flow execution doesn't stop"). Every call is recorded.
 */

export const API_CALL_LIMIT = 10;
/** "Objects passed as arguments to Extension API calls have a size limit of 62 KB": read as 62,000 bytes (the stricter). */
export const ARGUMENT_LIMIT_BYTES = 62_000;
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
  /** The api calls that took effect. */
  calls: ApiCall[];
  outputs: Output[];
  logs: LogLine[];
  nextNode?: string;
  /** api.stopExecution was called: the flow ends here for this input. */
  stopped?: boolean;
  /** The child node type the run went to (resolved from nextNode). */
  outcome?: string;
  /** The node threw to the platform, or an argument broke the size limit. */
  error?: unknown;
  /** The platform terminated the node (timeout, 11th api call): what it wrote to `input.extensionError`. */
  extensionError?: string;
  /** api calls the node made after it was terminated (ignored, as on the platform). */
  ignoredCalls: ApiCall[];
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
  /** The execution timeout (default 20 s, the platform's default). */
  executionLimitMs?: number;
  /**
   * Whether the 62 KB limit also holds for string arguments (`api.say("…")`). Cognigy documents it for objects only and
   * does not say whether a long string escapes it, so the default is the stricter reading; `false` is the literal one.
   */
  limitStrings?: boolean;
  /** CXone client options for this run only (a short deadline, an instant retry sleep); production defaults if absent. */
  clientOptions?: NodeClientOptions;
}

function argSize(value: unknown): number {
  if (value === undefined) return 0;
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** `a.b.c` → the object holding `c` (created on the way, as Cognigy's addToContext/addToInput do) and `c`. */
function pathOf(root: Record<string, unknown>, key: string, create: boolean) {
  const parts = key.split(".");
  const last = parts.pop() as string;
  let node: Record<string, unknown> | undefined = root;
  for (const part of parts) {
    const next: unknown = node[part];
    if (next && typeof next === "object") node = next as Record<string, unknown>;
    else if (create) {
      const made: Record<string, unknown> = {};
      node[part] = made;
      node = made;
    } else return { holder: undefined, last };
  }
  return { holder: node, last };
}

export function setPath(root: Record<string, unknown>, key: string, value: unknown): void {
  const { holder, last } = pathOf(root, key, true);
  if (holder) holder[last] = value;
}

export function getPath(root: Record<string, unknown>, key: string): unknown {
  const { holder, last } = pathOf(root, key, false);
  return holder?.[last];
}

function deletePath(root: Record<string, unknown>, key: string): void {
  const { holder, last } = pathOf(root, key, false);
  if (holder) delete holder[last];
}

export async function runNode(descriptor: INodeDescriptor, options: RunOptions): Promise<NodeRun> {
  const run: NodeRun = { calls: [], outputs: [], logs: [], ignoredCalls: [], durationMs: 0 };
  const { session } = options;
  const childConfigs = (options.children ?? descriptor.dependencies?.children ?? []).map((type) => ({
    id: `${type}-id`,
    type,
    config: {},
  }));
  let attempts = 0;
  let endTimeout: () => void = () => undefined;

  const terminate = (reason: string) => {
    if (run.extensionError) return;
    run.extensionError = reason;
    session.input.extensionError = reason;
    endTimeout();
  };

  /** False when the call must be ignored (the node was terminated); throws like the platform on a limit. */
  const record = (method: string, args: unknown[]): boolean => {
    if (run.extensionError) {
      run.ignoredCalls.push({ method, args });
      return false;
    }
    attempts += 1;
    if (attempts > API_CALL_LIMIT) {
      run.ignoredCalls.push({ method, args });
      const reason = `${descriptor.type}: more than ${API_CALL_LIMIT} api calls in one execution`;
      terminate(reason);
      throw new PlatformLimitError(reason);
    }
    for (const arg of args) {
      const limited = (arg !== null && typeof arg === "object") || options.limitStrings !== false;
      const size = limited ? argSize(arg) : 0;
      if (size > ARGUMENT_LIMIT_BYTES) {
        const err = new PlatformLimitError(`${descriptor.type}: api.${method} argument of ${size} bytes exceeds 62 KB`);
        run.error ??= err;
        throw err;
      }
    }
    run.calls.push({ method, args });
    return true;
  };

  const api: Record<string, unknown> = {
    log: (level: string, text: string) => {
      if (!run.extensionError) run.logs.push({ level, text });
    },
    say: (text?: string, data?: unknown) => {
      if (record("say", [text, data])) run.outputs.push({ text, data });
    },
    output: (text?: string, data?: unknown) => {
      if (record("output", [text, data])) run.outputs.push({ text, data });
    },
    setNextNode: (id: string) => {
      if (record("setNextNode", [id])) run.nextNode = id;
    },
    addToContext: (key: string, value: unknown, mode: string) => {
      if (!record("addToContext", [key, value, mode])) return;
      if (mode === "array") {
        const current = getPath(session.context, key);
        setPath(session.context, key, Array.isArray(current) ? [...current, value] : [value]);
      } else {
        setPath(session.context, key, value);
      }
    },
    getContext: (key: string) => (record("getContext", [key]) ? getPath(session.context, key) : undefined),
    removeFromContext: (key: string) => {
      if (record("removeFromContext", [key])) deletePath(session.context, key);
    },
    deleteContext: (key: string) => {
      if (record("deleteContext", [key])) deletePath(session.context, key);
    },
    addToInput: (key: string, value: unknown) => {
      if (record("addToInput", [key, value])) setPath(session.input, key, value);
    },
    stopExecution: () => {
      if (record("stopExecution", [])) run.stopped = true;
    },
  };
  for (const member of options.omitApi ?? []) delete api[member];

  const started = Date.now();
  const limitMs = options.executionLimitMs ?? EXECUTION_LIMIT_MS;
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
      ...(options.clientOptions ? { [CLIENT_OPTIONS_PARAM]: options.clientOptions } : {}),
    });
    const limit = new Promise<void>((resolve) => {
      endTimeout = resolve;
      timer = setTimeout(() => terminate(`${descriptor.type}: execution exceeded ${limitMs} ms`), limitMs);
    });
    await Promise.race([execution, limit]);
  } catch (err) {
    if (!run.extensionError) run.error ??= err;
  } finally {
    clearTimeout(timer);
    run.durationMs = Date.now() - started;
  }
  // A terminated node's branch is not followed: the flow continues below it.
  if (run.extensionError) run.nextNode = undefined;
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
      endpointType: "webchat3",
      mode: "TextOnly",
      inputId: `input-${Math.random().toString(36).slice(2)}`,
      ...overrides,
    },
    context: {},
    profile: { firstname: "Jane", lastname: "Doe", email: "jane.doe@example.com" },
  };
}
