import { type CxoneConnection, parseConnection } from "../../src/cxone";
import { type CxoneSandbox, type SandboxOptions, startCxoneSandbox } from "../../src/sandbox/cxone-sandbox";

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
