// The web demo's page in the browser: starts the chat, the agent desk and the boundary log view.
import { startChat } from "./chat";
import { startDesk } from "./desk";
import { getJson } from "./dom";
import { startLog } from "./log-view";

/**
 * The web demo page. `?endpoint=<Cognigy endpoint base URL>&token=<URL token>` points the chat at another Cognigy
 * Socket endpoint; without them it talks to the demo's emulator, as the demo's user.
 */
async function main() {
  const query = new URLSearchParams(location.search);
  const own = await getJson<{ urlToken: string; userId: string; sessionId: string }>("/config.json");
  const endpoint = query.get("endpoint");
  const token = query.get("token");
  startDesk();
  startLog();
  await startChat(endpoint && token ? { endpoint, urlToken: token } : { endpoint: location.origin, ...own });
}

void main();
