// Lighthouse (mobile emulation, its default) on the sign-in page and on a parent's diary,
// in the local Chromium: the scores of docs/web.md's quality bars, as JSON on stdout.
//
//   node lighthouse.mjs --base http://127.0.0.1:8000 --chromium /usr/bin/chromium \
//       --login parent --password demo-2026 [--reports DIR]
//
// The diary needs a signed-in session, which the client keeps in the tab's sessionStorage:
// so the sign-in happens in the very tab Lighthouse then audits (its page argument), with
// the storage reset off for that run.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    login: { type: "string" },
    password: { type: "string" },
    reports: { type: "string" },
  },
});
if (!args.base || !args.login || !args.password) {
  console.error("lighthouse.mjs: --base, --login and --password are required");
  process.exit(2);
}

const CATEGORIES = ["performance", "accessibility", "best-practices"];

async function audit(page, url, name, keepStorage) {
  const result = await lighthouse(
    url,
    {
      output: "html",
      onlyCategories: CATEGORIES,
      disableStorageReset: keepStorage,
      logLevel: "error",
      locale: "ru",
    },
    undefined,
    page,
  );
  if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
  const { lhr, report } = result;
  if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  if (args.reports) {
    await mkdir(args.reports, { recursive: true });
    await writeFile(join(args.reports, `${name}.html`), report);
  }
  const scores = Object.fromEntries(
    Object.entries(lhr.categories).map(([id, category]) => [id, Math.round((category.score ?? 0) * 100)]),
  );
  // each failing yes/no audit with the elements it names (their HTML, cut short)
  const failing = Object.fromEntries(
    Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
      .map((a) => [a.id, (a.details?.items ?? []).map((item) => item.node?.snippet?.slice(0, 160)).filter(Boolean)]),
  );
  const metrics = Object.fromEntries(
    ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"].map(
      (id) => [id, lhr.audits[id]?.numericValue ?? null],
    ),
  );
  return { url: lhr.finalDisplayedUrl, scores, metrics, failing };
}

const browser = await puppeteer.launch({
  executablePath: args.chromium,
  headless: true,
  // as root in CI Chromium's sandbox refuses to start
  args: ["--no-sandbox", "--lang=ru-RU"],
});
try {
  const page = await browser.newPage();
  const results = {};
  results.signin = await audit(page, `${args.base}/signin`, "signin", false);

  await page.goto(`${args.base}/signin`, { waitUntil: "networkidle0" });
  await page.type("input[name=login]", args.login);
  await page.type("input[name=password]", args.password);
  await Promise.all([page.waitForFunction(() => location.pathname !== "/signin"), page.click("button[type=submit]")]);
  await page.goto(`${args.base}/diary`, { waitUntil: "networkidle0" });
  const diary = new URL(page.url()).pathname; // /diary/<the first child>
  if (!/^\/diary\/[0-9a-f-]{36}$/.test(diary)) throw new Error(`the parent's diary did not open: ${diary}`);
  // Cold, as a parent's first visit of the day after the browser dropped its cache: only
  // the session (the tab's sessionStorage) is kept, not the HTTP cache nor the service
  // worker's precache.
  const cdp = await page.createCDPSession();
  await cdp.send("Network.clearBrowserCache");
  await cdp.send("Storage.clearDataForOrigin", {
    origin: new URL(args.base).origin,
    storageTypes: "cache_storage,service_workers",
  });
  results.diary = await audit(page, `${args.base}${diary}`, "diary", true);
  if (!/^\/diary\//.test(new URL(results.diary.url).pathname)) {
    throw new Error(`Lighthouse audited ${results.diary.url}, not the diary (the session was lost)`);
  }
  console.log(JSON.stringify(results, null, 2));
} finally {
  await browser.close();
}
