// The dashboard as an operator meets it: how long from opening the address until every chart is drawn
// with data, and what the page weighs. The app is the built local runner (what npm start runs) after a
// small workload; the browser is Debian's headless chromium driven by playwright-core, a fresh context
// (no cache) per run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startApi, stop } from './api.bench';
import { type BenchRow, sized, spread } from './measure';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = sized(5, 1);

/** Some traffic, so the first snapshot has routes, RU, query shapes and cache hits to draw. */
async function workload(url: string): Promise<void> {
  const headers = { 'x-ms-client-principal-id': 'bench-dashboard', 'content-type': 'application/json' };
  for (let i = 0; i < 20; i++)
    await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: `Task ${i}` }),
    });
  for (let i = 0; i < 10; i++) await fetch(`${url}/api/tasks?sort=dueDate`, { headers });
  await fetch(`${url}/api/health`);
}

/** Time to a dashboard drawn with data, and the page's weight. */
export async function benchDashboard(): Promise<BenchRow[]> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: apt-get install -y --no-install-recommends chromium`,
    );
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-dashboard-'));
  const { child, url } = await startApi(dataDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
  try {
    await workload(url);
    const address = `${url}/api/dashboard?user=ops&roles=admin`;
    const html = Buffer.from(
      await (await fetch(address, { headers: { accept: 'text/html' } })).arrayBuffer(),
    );
    const ready: number[] = [];
    const contentLoaded: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(address);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      const elapsed = performance.now() - started;
      const loaded = (await page.evaluate(
        `performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd`,
      )) as number;
      await context.close();
      if (run === 0) continue; // the first run warms the app's page cache and the browser; not counted
      ready.push(elapsed);
      contentLoaded.push(loaded);
    }
    const r = spread(ready);
    const d = spread(contentLoaded);
    return [
      {
        name: 'Dashboard: open the address to every chart drawn with data (headless Chromium, local runner)',
        unit: 'ms median',
        ours: r.median,
        detail: `${r.min.toFixed(0)}..${r.max.toFixed(0)} ms over ${RUNS} runs, a fresh browser context each; DOMContentLoaded ${d.median.toFixed(0)} ms median; includes the first /api/metrics and report fetches`,
      },
      {
        name: 'Dashboard page weight: one self-contained HTML document (uPlot, script and styles inlined)',
        unit: 'KB',
        ours: html.length / 1024,
        detail: `${html.length} bytes, ${gzipSync(html).length} gzipped; no other request but its same-origin API calls`,
      },
    ];
  } finally {
    await browser.close();
    await stop(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
