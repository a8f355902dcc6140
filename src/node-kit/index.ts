// What every node shares: a spec becomes the descriptor, its outcome children and an error branch that never throws.
import { createNodeDescriptor, type INodeDescriptor, type INodeFunctionBaseParams } from "@cognigy/extension-tools";
import type {
  INodeField,
  INodeFieldAndSectionFormElement,
  INodePreview,
  INodeSection,
} from "@cognigy/extension-tools/build/interfaces/descriptor";
import { CXONE_CONNECTION_TYPE } from "../../connections/cxoneConnection";
import {
  CxoneClient as Client,
  type CxoneClient,
  type CxoneClientOptions,
  type CxoneConnection,
  parseConnection,
} from "../cxone";
import { secretsOf } from "../cxone/config";
import { CxoneError, describeError } from "../cxone/errors";
import { type CxoneLogger, scrub } from "../cxone/log";
import { type ReadRelayEvent, readRelayEvent } from "../handover/events";
import { AUTH_CONTEXT_KEY } from "../handover/state";

/**
 * What every node shares: the connection field, outcome child nodes, and one execution wrapper that validates the
 * connection, hands the node a CXone client with this session's token cache, persists that cache, routes to the
 * outcome and turns any failure into the OnError branch with a clear, secret-free reason. Nodes hold only their logic.
 */

export const connectionField: INodeField = {
  key: "connection",
  label: "NiCE CXone connection",
  type: "connection",
  description: "The CXone tenant, credentials and channel to use (see the README's Connection section).",
  params: { connectionType: CXONE_CONNECTION_TYPE, required: true },
};

export interface Outcome {
  /** Appended to the parent type: cxoneHandover + OnSuccess = cxoneHandoverOnSuccess. */
  suffix: `On${string}`;
  label: string;
  /** Followed when this child is missing: a node placed before the outcome existed keeps its old branch. */
  fallback?: Outcome;
}

export const ON_SUCCESS: Outcome = { suffix: "OnSuccess", label: "On success" };
export const ON_ERROR: Outcome = { suffix: "OnError", label: "On error" };

/** The mini child nodes a parent branches into, in the order they appear under it. */
export function outcomeNodes(parentType: string, outcomes: Outcome[], color: string): INodeDescriptor[] {
  return outcomes.map((o) =>
    createNodeDescriptor({
      type: `${parentType}${o.suffix}`,
      parentType,
      defaultLabel: o.label,
      appearance: { color, textColor: "white", variant: "mini" },
      constraints: {
        editable: false,
        deletable: false,
        creatable: false,
        movable: false,
        placement: { predecessor: { whitelist: [] } },
      },
    }),
  );
}

export const childTypes = (parentType: string, outcomes: Outcome[]) => outcomes.map((o) => `${parentType}${o.suffix}`);

export const NODE_COLOR = "#1F5F8B";

/** What a node file declares; the connection field, colours, tags, outcome children and error handling are added. */
export interface CxoneNodeSpec<C> {
  type: string;
  defaultLabel: string;
  summary: string;
  outcomes: Outcome[];
  preview?: INodePreview;
  /** The node's own fields: the connection field is added first. */
  fields: INodeField[];
  sections?: INodeSection[];
  /** The node's own form entries, after the connection. */
  form: INodeFieldAndSectionFormElement[];
  logic: (run: NodeRun<C>) => Promise<Outcome | null>;
  /** Where a failure goes instead of On error (null = stop the flow), e.g. a node's *Error Handling* choice. */
  errorOutcome?: ErrorOutcome<C>;
}

export type ErrorOutcome<C> = (config: C, err: unknown) => Outcome | null;

/** The node's descriptor followed by its outcome child descriptors: `[node, ...outcomes]`. */
export function cxoneNode<C extends { connection?: unknown }>(spec: CxoneNodeSpec<C>): INodeDescriptor[] {
  const node = createNodeDescriptor({
    type: spec.type,
    defaultLabel: spec.defaultLabel,
    summary: spec.summary,
    appearance: { color: NODE_COLOR, textColor: "white" },
    tags: ["service"],
    preview: spec.preview,
    dependencies: { children: childTypes(spec.type, spec.outcomes) },
    fields: [connectionField, ...spec.fields],
    sections: spec.sections,
    form: [{ type: "field", key: "connection" }, ...spec.form],
    function: (params: INodeFunctionBaseParams) => executeNode(spec.type, params, spec.logic, spec.errorOutcome),
  });
  return [node, ...outcomeNodes(spec.type, spec.outcomes, NODE_COLOR)];
}

export type CognigyApi = INodeFunctionBaseParams["cognigy"]["api"];

/** Cognigy input, context and profile are free-form objects that flows fill with anything. */
// biome-ignore lint/suspicious/noExplicitAny: that is what they are; nodes validate what they read with zod.
export type CognigyBag = Record<string, any>;

export interface NodeRun<C> {
  api: CognigyApi;
  input: CognigyBag;
  context: CognigyBag;
  profile: CognigyBag;
  config: C;
  /** Validated on first access (a config error then goes to OnError like any other failure). */
  readonly connection: CxoneConnection;
  /** Created lazily: a node that never calls CXone (no active handover) costs no token. */
  cxone(): CxoneClient;
  log: CxoneLogger;
  /** The whole `cognigy` argument, to feature-detect members newer than extension-tools 0.14 (lastConversationEntries). */
  platform: CognigyBag;
}

/** Client options a caller may set for one node run: a shorter budget or an instant sleep (tests, the emulator). */
export type NodeClientOptions = Pick<CxoneClientOptions, "deadlineMs" | "requestTimeoutMs" | "sleep" | "retry">;

/**
 * The member of a node's params that carries {@link NodeClientOptions} for that run. Cognigy never passes it, so
 * production runs use the client's defaults (15 s budget, real backoff). A registered symbol (not a name) so no
 * platform field can collide with it, and so it matches across a bundle loaded separately from these sources.
 */
export const CLIENT_OPTIONS_PARAM = Symbol.for("nice-cxone.nodeClientOptions");

/** Where a node's failure is written for the flow: `input.cxone.error`. */
export const INPUT_KEY = "cxone";

export interface NodeErrorInfo {
  node: string;
  code: string;
  message: string;
  retryable: boolean;
  status?: number;
}

/**
 * Runs a node's logic and follows the outcome it returns. Never throws to the platform: Cognigy would stop the flow
 * with a stack trace the end user never sees explained.
 */
export async function executeNode<C extends { connection?: unknown }>(
  nodeType: string,
  params: INodeFunctionBaseParams,
  /** The outcome to follow; null when the logic already ended the execution (api.stopExecution). */
  logic: (run: NodeRun<C>) => Promise<Outcome | null>,
  errorOutcome: ErrorOutcome<C> = () => ON_ERROR,
): Promise<void> {
  const { cognigy, childConfigs } = params;
  const { api } = cognigy;
  const config = params.config as C;
  let secrets: string[] = secretsOf((config.connection ?? {}) as Partial<CxoneConnection>);
  const log: CxoneLogger = (level, message) => api.log?.(level, scrub(`[${nodeType}] ${message}`, secrets));
  const context = (cognigy.context ?? {}) as CognigyBag;
  const clientOptions = (params as { [CLIENT_OPTIONS_PARAM]?: NodeClientOptions })[CLIENT_OPTIONS_PARAM];
  let client: CxoneClient | undefined;

  const follow = (outcome: Outcome) => {
    const childOf = (o: Outcome) => childConfigs.find((c) => c.type === `${nodeType}${o.suffix}`);
    const child = childOf(outcome) ?? (outcome.fallback && childOf(outcome.fallback));
    if (child) api.setNextNode?.(child.id);
    else log("warn", `no ${outcome.suffix} child node; the flow continues below this node`);
  };

  // Validated on first use: the gate at the top of every flow must keep the bot working when no handover is open,
  // even while an admin is still fixing the connection.
  let parsed: CxoneConnection | undefined;
  const connectionOf = () => {
    if (!parsed) {
      parsed = parseConnection(config.connection);
      secrets = secretsOf(parsed);
    }
    return parsed;
  };

  try {
    const outcome = await logic({
      api,
      input: cognigy.input as CognigyBag,
      context,
      profile: (cognigy.profile ?? {}) as CognigyBag,
      config,
      get connection() {
        return connectionOf();
      },
      cxone: () => {
        client ??= new Client(connectionOf(), { ...clientOptions, log, persistedAuth: context[AUTH_CONTEXT_KEY] });
        return client;
      },
      log,
      platform: cognigy as unknown as CognigyBag,
    });
    persistAuth(api, context, client);
    if (outcome) follow(outcome);
  } catch (err) {
    persistAuth(api, context, client);
    const info: NodeErrorInfo = {
      node: nodeType,
      code: err instanceof CxoneError ? err.code : "internal",
      message: scrub(describeError(err), secrets),
      retryable: err instanceof CxoneError ? err.retryable : false,
      ...(err && typeof err === "object" && "status" in err ? { status: (err as { status: number }).status } : {}),
    };
    log("error", info.message);
    (api as { addToInput?: (key: string, value: unknown) => void }).addToInput?.(INPUT_KEY, { error: info });
    const next = errorOutcome(config, err);
    // A platform without stopExecution cannot stop the flow: On error is the closest it can do.
    if (next) follow(next);
    else if (typeof api.stopExecution === "function") api.stopExecution();
    else follow(ON_ERROR);
  }
}

/** Writes the encrypted token cache to context only when it changed: every api call counts against the 10. */
function persistAuth(api: CognigyApi, context: CognigyBag, client: CxoneClient | undefined) {
  const persisted = client?.exportAuth();
  if (!persisted || context[AUTH_CONTEXT_KEY]?.expiresAt === persisted.expiresAt) return;
  api.addToContext?.(AUTH_CONTEXT_KEY, persisted, "simple");
}

/** The relay's event in `input.data.cxone` (read by the one event schema), if this input is one. */
export function relayEvent(input: CognigyBag): ReadRelayEvent | undefined {
  return readRelayEvent(input?.data?.cxone);
}
