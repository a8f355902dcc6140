import { CxoneClient, type CxoneConnection, parseConnection } from "../../src/cxone";
import { type CxoneSandbox, type SandboxOptions, startCxoneSandbox } from "../../testbed/sandbox/cxone-sandbox";

/** Starts one sandbox for a test file and a fresh connection object pointing at it. */
export function useSandbox(options: SandboxOptions = {}) {
  const ref: { sandbox: CxoneSandbox; connection: CxoneConnection } = {} as never;
  beforeAll(async () => {
    ref.sandbox = await startCxoneSandbox(options);
    ref.connection = parseConnection(ref.sandbox.connection());
  });
  afterAll(async () => {
    await ref.sandbox?.stop();
  });
  beforeEach(() => {
    ref.sandbox.clearFaults();
    ref.sandbox.resetRequests();
  });
  return ref;
}

/** Captures every log line, to assert on content and on the absence of secrets. */
export function captureLog() {
  const lines: { level: string; message: string }[] = [];
  const log = (level: string, message: string) => {
    lines.push({ level, message });
  };
  return { lines, log, text: () => lines.map((l) => `${l.level} ${l.message}`).join("\n") };
}

/** CXone's error body, as the sandbox's refusals carry it. */
export interface CxoneErrorBody {
  errors: { field?: string; message: string; errorCode: string }[];
  uid: string;
}

/**
 * A hand-made request to the sandbox with a bearer it issued (the client never sends what must be refused): a client
 * authenticates first, then `request` answers status and parsed JSON body.
 */
export async function sandboxRequests(sandbox: CxoneSandbox) {
  const client = new CxoneClient(parseConnection(sandbox.connection()), { sleep: async () => {} });
  await client.describeSession();
  const token = sandbox.issuedTokens().at(-1);
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as CxoneErrorBody };
  };
  return { client, request };
}
