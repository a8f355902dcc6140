// The demo: a whole handover on loopback (sandbox, emulator, relay), in the terminal or a browser.
import { createInterface } from "node:readline";
import { type ChatEntry, DEFAULT_BOT_AVATAR } from "../emulator/cognigy-endpoint";
import { playScenario } from "./scenario";
import { startWorld } from "./world";

/**
 * `npm run demo`: a whole handover on this machine, printed as a chat log. `npm run demo -- --interactive` lets you
 * type as the end user, and as the agent with /agent, /assign and /close. `npm run demo -- --web [--port N]` serves the
 * same world as one page: a webchat, a CXone agent desk and the boundary log.
 */

// The demo's CXone sandbox and Cognigy emulator listen on plain-http loopback: dev mode (src/cxone/config.ts).
process.env.CXONE_HANDOVER_DEV_MODE = "1";

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const time = (d: Date) => paint("2", d.toISOString().slice(11, 23));

/** One line per thing Webchat v3 would show: a bubble (with the name and picture it shows) or an event chip. */
function printEntry(entry: ChatEntry) {
  const { drawn } = entry;
  if (drawn.as === "nothing") return;
  if (drawn.as === "chip") {
    console.log(`${time(entry.at)}  ${paint("33", "── event ──    ")} ${entry.text}`);
    return;
  }
  const name = drawn.source === "user" ? "Jane (user)" : drawn.name === "Bot" ? "Bot" : `${drawn.name} (agent)`;
  const color = drawn.source === "user" ? "36;1" : entry.from === "agent" ? "35;1" : "32;1";
  const picture =
    drawn.source === "bot" && drawn.avatarUrl !== DEFAULT_BOT_AVATAR
      ? paint("2", `  [picture ${drawn.avatarUrl}]`)
      : "";
  console.log(`${time(entry.at)}  ${paint(color, name.padEnd(15))} ${entry.text}${picture}`);
}

const narrate = (text: string) => console.log(`${time(new Date())}  ${paint("2", `· ${text}`)}`);

async function interactive(world: Awaited<ReturnType<typeof startWorld>>) {
  console.log(
    paint(
      "2",
      "Type as the end user. Agent side: /assign, /agent <text>, /close. Queue: /queue N (N others wait ahead), " +
        "/next (an agent takes the first of them). /quit to leave.\n",
    ),
  );
  const rl = createInterface({ input: process.stdin, terminal: false });
  // Async iteration keeps lines that arrive while the previous one is still being handled (pasted or piped input).
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    if (line === "/quit") break;
    try {
      if (line === "/assign") narrate(`CXone: case ${world.assignAgent("1001").id} assigned to Anna`);
      else if (line === "/close") narrate(`CXone: case ${world.closeCase().id} resolved`);
      else if (line.startsWith("/agent ")) await world.agentSays(line.slice(7));
      else if (/^\/queue \d+$/.test(line)) {
        const ids = world.queueAhead(Math.min(Number(line.slice(7)), 1000));
        narrate(`CXone: ${ids.length} other conversations wait ahead (updates every 10 s while queued)`);
      } else if (line === "/next") {
        const served = world.serveNext();
        narrate(served ? `CXone: case ${served.id} assigned to Ben` : "CXone: nobody else is waiting");
      } else await world.user(line);
    } catch (err) {
      narrate(`(${(err as Error).message})`);
    }
  }
  rl.close();
  // Deliver what the agent side did last (joined, closed) before the demo stops, instead of waiting for the timer.
  for (let i = 0; i < 5 && (await world.relay.pollOnce()).skipped; i++) await new Promise((r) => setTimeout(r, 100));
}

async function web(world: Awaited<ReturnType<typeof startWorld>>) {
  const at = process.argv.indexOf("--port");
  const port = at > 0 ? Number(process.argv[at + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--port takes a port number (0-65535)");
  const { startWebDemo } = await import("./web/server");
  const page = await startWebDemo(world, { port });
  console.log(
    `${paint("1", "Open")} ${paint("36;1", page.url)} ${paint("2", "(loopback only). Ctrl+C stops the demo.")}`,
  );
  console.log(paint("2", "Chat as Jane on the left (ask for an agent), act as the CXone agent on the right.\n"));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await page.stop();
}

async function main() {
  const isWeb = process.argv.includes("--web");
  const isInteractive = process.argv.includes("--interactive");
  console.log(paint("1", "NiCE CXone handover demo: bot -> agent -> bot, all on loopback\n"));
  const world = await startWorld({ queueUpdates: isInteractive });
  narrate(`CXone sandbox ${world.sandbox.url} · relay ${world.relay.url} · Cognigy endpoint ${world.endpoint.url}`);
  world.endpoint.on("entry", printEntry);
  try {
    if (isWeb) await web(world);
    else if (isInteractive) await interactive(world);
    else await playScenario(world, narrate);
    const c = world.currentCase();
    narrate(`done: case ${c?.id ?? "-"} is ${c?.status ?? "-"}, ${world.endpoint.chat.length} chat entries`);
  } finally {
    await world.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(paint("31", `demo failed: ${err instanceof Error ? err.message : String(err)}`));
    process.exit(1);
  },
);
