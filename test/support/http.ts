import { createServer } from "node:net";
import { RELAY_CLIENT } from "./relay";

/** A JSON POST as CXone makes it; the answer parsed when it is JSON. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}, raw?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, unknown>, headers: res.headers };
}

export async function bearer(boxUrl: string) {
  const res = await post(`${boxUrl}/1.0/token`, { grant_type: "client_credentials", ...creds() });
  return { authorization: `Bearer ${res.body.access_token}` };
}

export const creds = () => ({ client_id: RELAY_CLIENT.clientId, client_secret: RELAY_CLIENT.clientSecret });

/** A loopback port nothing listens on right now (for a server started later, or one that must be down). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
