import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { startWebDemo, type WebDemo } from "../testbed/demo/web/server";
import { startWorld, type World } from "../testbed/demo/world";

/**
 * `npm run demo -- --web` in a real headless Chromium (Debian's package, installed by scripts/ensure-chromium.sh in
 * `pretest`): the user chats with the bot through @cognigy/socket-client, asks for an agent, the desk assigns and
 * replies, the user sees who answers, the agent closes and the bot answers again. Every wait is on the DOM, never on
 * the clock. Without Chromium the test is skipped with one line saying so.
 */

/** The browser globals the page.evaluate callbacks touch (this file is type-checked without the DOM library). */
declare const document: {
  querySelector(selector: string): { disabled?: boolean } | null;
  querySelectorAll(selector: string): Iterable<{ textContent: string | null; naturalWidth?: number }>;
  documentElement: { outerHTML: string };
};

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return (
      execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

const chromium = findChromium();
if (!chromium) {
  process.stderr.write(
    "web demo browser test SKIPPED: no Chromium (run scripts/ensure-chromium.sh as root, or set CHROMIUM_PATH)\n",
  );
}
const describeWithBrowser = chromium ? describe : describe.skip;

const WAIT = { timeout: 30_000 };

/** Waits until an element matching `selector` has text matching `pattern`. */
async function waitText(page: Page, selector: string, pattern: RegExp) {
  await page.waitForFunction(
    (sel: string, source: string, flags: string) =>
      [...document.querySelectorAll(sel)].some((e) => new RegExp(source, flags).test(e.textContent ?? "")),
    WAIT,
    selector,
    pattern.source,
    pattern.flags,
  );
}

async function chat(page: Page, text: string) {
  await page.type("#chat-input", text);
  await page.click("#chat-form button[type=submit]");
}

async function clickEnabled(page: Page, selector: string) {
  await page.waitForFunction((sel: string) => !document.querySelector(sel)?.disabled, WAIT, selector);
  await page.click(selector);
}

describeWithBrowser("the web demo in Chromium", () => {
  let world: World;
  let web: WebDemo;
  let browser: Browser;
  let page: Page;
  const shots = join(tmpdir(), `nice-cxone-web-demo-${process.pid}`);

  beforeAll(async () => {
    world = await startWorld();
    web = await startWebDemo(world);
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      // Root in a container has no user namespace for Chromium's sandbox; the page is our own, on loopback.
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(web.url);
    await page.waitForSelector('#chat-state[data-state="connected"]', WAIT);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await world?.stop();
  });

  it("plays a handover from both sides: bot, agent, file, quick reply, transfer, close, bot again", async () => {
    await chat(page, "Hi there!");
    await waitText(page, ".msg.bot", /I'm the demo bot/);

    await chat(page, "My parcel is late. Can I talk to a human agent, please?");
    await waitText(page, ".msg.bot", /Connecting you with an agent/);

    // The desk shows the new case, in the queue, with the transcript the agent received.
    await waitText(page, "#case-list", /case/);
    await waitText(page, "[data-fact=status]", /^new$/);
    await waitText(page, "#transcript", /talk to a human agent/);

    await page.select("#agent-select", "1001");
    await clickEnabled(page, "#assign");
    await waitText(page, "[data-fact=agent]", /Anna Smith/);
    await waitText(page, ".chip", /You are now chatting with Anna/);

    await page.waitForFunction(() => !document.querySelector("#reply-form button")?.disabled, WAIT);
    await page.type("#reply-input", "Hi Jane, I'm Anna. What's the order number?");
    await page.click("#reply-form button");
    await waitText(page, ".msg.agent", /Anna · agent\s*Hi Jane, I'm Anna/);

    await chat(page, "It's order 1234.");
    await waitText(page, "#transcript li.inbound", /It's order 1234\./);

    await page.type("#reply-input", "Thanks! It leaves our warehouse tomorrow; you'll get a tracking e-mail.");
    await page.click("#reply-form button");
    await waitText(page, ".msg.agent", /tracking e-mail/);
    await waitText(page, "#transcript li.outbound", /tracking e-mail/);

    // A file from the agent: the relay forwards it as a link, the chat shows the image (loaded from the demo server).
    await page.select("#file-select", "shipping-label.svg");
    await clickEnabled(page, "#send-file");
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll(".msg.agent img[alt='shipping-label.svg']")].some(
          (i) => (i.naturalWidth ?? 0) > 0,
        ),
      WAIT,
    );
    await waitText(page, "#transcript li.outbound", /shipping label/);

    // Quick replies from the agent (NiCE's QUICK_REPLIES): the user taps one and the agent receives its postback.
    await clickEnabled(page, "#qr-form button");
    await waitText(page, ".msg.agent .quick-replies", /Yes, thanks!/);
    await waitText(page, "#transcript li.outbound", /Did that answer your question\?/);
    await page.screenshot({ path: join(ensureDir(shots), "both-panes.png") });
    const tap = await page.waitForSelector(
      "xpath/.//div[contains(@class,'quick-replies')]//button[contains(., 'Yes, thanks!')]",
      WAIT,
    );
    await tap!.click();
    await waitText(page, ".msg.user", /^Yes, thanks!$/);
    await waitText(page, "#transcript li.inbound", /Yes, thanks!/);

    // Anna transfers the case to Ben: the relay sees a different agent on its next poll and the user is told.
    await page.select("#agent-select", "1002");
    await clickEnabled(page, "#transfer");
    await waitText(page, "[data-fact=agent]", /Ben Okafor/);
    await waitText(page, ".chip", /You are now chatting with Ben/);
    await page.type("#reply-input", "Ben here, I'll keep an eye on your parcel.");
    await page.click("#reply-form button");
    await waitText(page, ".msg.agent", /Ben · agent\s*Ben here/);

    await clickEnabled(page, "#close");
    await waitText(page, "[data-fact=status]", /^resolved$/);
    await waitText(page, ".msg.bot", /I'm back/);

    await chat(page, "When are you open?");
    await waitText(page, ".msg.bot", /Monday to Friday/);

    // Every boundary shows up in the log, and no secret anywhere on the page.
    await waitText(page, "#boundary-log [data-boundary='to CXone']", /POST \/dfo\/3\.0\/channels\/.+\/messages/);
    await waitText(page, "#boundary-log [data-boundary='CXone → relay']", /POST \/integration\/box\/1\.0\/posts\//);
    await waitText(page, "#boundary-log [data-boundary='relay → Cognigy']", /POST \/notify\//);
    await waitText(page, "#boundary-log [data-boundary='relay → Cognigy']", /POST \/inject\//);
    const pageText = await page.evaluate(() => document.documentElement.outerHTML);
    const secrets = world.secrets();
    expect(secrets.filter((s) => pageText.includes(s))).toEqual([]);

    const chatPane = await page.$(".pane.chat");
    const deskPane = await page.$(".pane.desk");
    await chatPane!.screenshot({ path: join(shots, "webchat.png") });
    await deskPane!.screenshot({ path: join(shots, "agent-desk.png") });
    process.stderr.write(`web demo screenshots: ${shots}\n`);
  }, 180_000);
});

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
