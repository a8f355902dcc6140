export type LogLevel = "debug" | "info" | "warn" | "error";
/** Same shape as Cognigy's `api.log(level, text)`, so nodes pass it straight through. */
export type CxoneLogger = (level: LogLevel, message: string) => void;

export const silentLogger: CxoneLogger = () => {};

const MASK = "[redacted]";

/**
 * Wraps a logger so that none of the given secrets (and no bearer/basic credential) can reach it, whatever a caller
 * or a third-party error message put into the text. Defence in depth: messages are built without secrets anyway.
 */
export function scrubbingLogger(log: CxoneLogger, secrets: () => readonly string[]): CxoneLogger {
  return (level, message) => log(level, scrub(message, secrets()));
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASK}`);
  for (const secret of secrets) {
    if (secret && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}
