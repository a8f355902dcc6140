import http from "node:http";

/**
 * The baseline for the relay benchmark: a bare node:http receive-and-forward doing the same job with nothing else
 * (no auth, no validation, no de-duplication, no metrics): read the agent reply, POST it to Cognigy Notify, answer
 * CXone 200 with an id after Cognigy said 2xx. bench/relay.ts bundles it with esbuild exactly like the relay.
 */
const sink = new URL(process.env.SINK_URL ?? "http://127.0.0.1:1");
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let n = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const out = JSON.stringify({
      userId: "u",
      sessionId: "s",
      text: body.messageContent?.payload?.text ?? "",
      data: { cxone: { event: "agentMessage", messageId: body.id } },
    });
    const forward = http.request(
      new URL("/notify/token", sink),
      { method: "POST", agent, headers: { "Content-Type": "application/json" } },
      (answer) => {
        answer.resume();
        answer.on("end", () => {
          res.writeHead(answer.statusCode === 200 ? 200 : 502, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ idOnExternalPlatform: `bare-${++n}` }));
        });
      },
    );
    forward.end(out);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`listening ${address.port}\n`);
});
// Exit normally on a signal, so `--cpu-prof` can write its profile.
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
