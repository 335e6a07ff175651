// Lighthouse runs for tests/e2e_browser/lighthouse_check.py: one Node process and one Debian
// Chromium for every run (a CLI run per page would start both again each time).
//
// Reads one JSON request a line on stdin: {"url", "cookies", "categories", "out"}; empties the
// browser's cookie jar and puts the request's cookies in it (the user's session: a signed-in
// browser sends it with every request of the page, its fetches and streams too; Lighthouse's own
// storage reset keeps cookies), runs Lighthouse (its default mobile run: simulated slow 4G, 4x CPU
// slowdown; cache and origin storage cleared before each run) in a fresh tab, writes the JSON
// report to `out` and answers one JSON line on stdout:
// {"scores": {category: 0-100}, "final": url, "seconds"} (plus "failed": Lighthouse's runtime
// error, when the page could not be measured) or {"error"}. LIGHTHOUSE_DIR is the
// prefix lighthouse_setup.sh installed the npm package under; CHROME_PATH the browser.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const modules = path.resolve(process.env.LIGHTHOUSE_DIR, "node_modules");
const load = (module) => import(pathToFileURL(path.join(modules, module)).href);
const { default: lighthouse } = await load("lighthouse/core/index.js");
const { launch } = await load("chrome-launcher/dist/index.js");
const { default: puppeteer } = await load("puppeteer-core/lib/esm/puppeteer/puppeteer-core.js");

const chrome = await launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const browser = await puppeteer.connect({
  browserURL: `http://127.0.0.1:${chrome.port}`,
  defaultViewport: null, // Lighthouse emulates the phone
});
const jar = await browser.target().createCDPSession();

async function run(request) {
  const started = Date.now();
  await jar.send("Storage.clearCookies");
  if (request.cookies.length) await jar.send("Storage.setCookies", { cookies: request.cookies });
  const page = await browser.newPage();
  let result;
  try {
    const flags = {
      output: "json",
      logLevel: "error",
      onlyCategories: request.categories,
      // none of these is scored (pictures; the back/forward cache check, which navigates away
      // and back): they would only add time
      disableFullPageScreenshot: true,
      skipAudits: ["screenshot-thumbnails", "final-screenshot", "bf-cache"],
    };
    result = await lighthouse(request.url, flags, undefined, page);
  } finally {
    await page.close();
  }
  await writeFile(request.out, result.report);
  const scores = {};
  for (const category of request.categories) {
    scores[category] = Math.round(result.lhr.categories[category].score * 100);
  }
  const seconds = (Date.now() - started) / 1000;
  const failed = result.lhr.runtimeError && result.lhr.runtimeError.message;
  return { scores, final: result.lhr.finalDisplayedUrl, seconds, ...(failed ? { failed } : {}) };
}

try {
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let answer;
    try {
      answer = await run(JSON.parse(line));
    } catch (error) {
      answer = { error: String(error && error.stack ? error.stack : error) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  }
} finally {
  await browser.disconnect();
  await chrome.kill();
}
