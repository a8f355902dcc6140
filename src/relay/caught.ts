// What the relay reads from a caught error (its message, Node's code) without assuming what was thrown.

/*
 * Field checks, not `instanceof Error`: an error made in another realm (Node's own, seen from a vm context such as
 * Jest's) is no instance of this realm's Error and still carries its message and code.
 */
const field = (err: unknown, name: "message" | "code"): string | undefined => {
  const value = typeof err === "object" && err !== null && name in err ? Reflect.get(err, name) : undefined;
  return typeof value === "string" ? value : undefined;
};

/** The message of a thrown error; undefined for anything thrown without one. */
export const errorMessage = (err: unknown): string | undefined => field(err, "message");

/** Node's error code (ECONNREFUSED, ENOTFOUND, …) when the thrown value carries one. */
export const errorCode = (err: unknown): string | undefined => field(err, "code");
