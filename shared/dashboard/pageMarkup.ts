import type { AuthMode } from '../config/settings';

/** What the page's markup wraps: the inlined style and scripts, and the AUTH_MODE the client signs in with. */
export interface PageParts {
  authMode: AuthMode;
  style: string;
  /** Inline scripts, in order: the chart library first, then the page's client. */
  scripts: string[];
}

/** One figure of the summary strip; data-figure names the snapshot field the client writes into it. */
function figure(key: string, label: string): string {
  return `<div class="figure"><dt>${label}</dt><dd data-figure="${key}">–</dd></div>`;
}

/** A card with a chart host the client draws into (uPlot adds its canvas and legend there). */
function chartCard(id: string, title: string, extra = ''): string {
  return `<section class="card" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title}</h2>
<div id="${id}" class="chart" data-chart data-points="0"></div>${extra}
</section>`;
}

/**
 * The dashboard's HTML. Static: every figure is filled in by the client from the API's JSON with
 * textContent, so nothing the API returns is ever parsed as markup. Labels here are our own constants.
 */
export function pageMarkup(parts: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>LifeTracker Pro · live dashboard</title>
<style>${parts.style}</style>
</head>
<body data-auth-mode="${parts.authMode}" data-state="loading">
<header class="top">
<div class="brand">
<h1>LifeTracker Pro <span>live dashboard</span></h1>
<p class="meta" id="instance">Connecting…</p>
</div>
<div class="controls">
<span class="snapshot">Snapshot <time id="generated-at" data-figure="generatedAt">–</time></span>
<button id="pause" type="button" aria-pressed="false">Pause</button>
<button id="sign-out" type="button" hidden>Sign out</button>
</div>
</header>
<p id="status" class="status" role="status" aria-live="polite">Loading…</p>
<section id="sign-in" class="card sign-in" hidden>
<h2>Sign in as an admin</h2>
<p id="sign-in-reason"></p>
<form id="sign-in-dev" hidden>
<p>AUTH_MODE=dev: the identity travels in the page's address (<code>?user=ops&amp;roles=admin</code>) and the page
sends it as the <code>x-ms-client-principal-id</code> and <code>x-ms-client-principal-roles</code> headers.</p>
<label>User id <input name="user" value="ops" autocomplete="username" required></label>
<label>Roles <input name="roles" value="admin"></label>
<button type="submit">Open the dashboard</button>
</form>
<form id="sign-in-jwt" hidden>
<p>AUTH_MODE=jwt: paste an access token for this API that carries the admin role. It is kept in this tab only
(sessionStorage) and sent as <code>Authorization: Bearer</code>.</p>
<label>Access token <textarea name="token" rows="4" required autocomplete="off" spellcheck="false"></textarea></label>
<button type="submit">Use this token</button>
</form>
<div id="sign-in-easyauth" hidden>
<p>AUTH_MODE=easyauth: sign in with App Service Authentication; the session cookie then authorises the page.</p>
<p><a id="easyauth-login" href="/.auth/login/aad">Sign in</a></p>
</div>
</section>
<main id="content" hidden>
<dl class="figures">
${figure('requests.total', 'Requests')}
${figure('requests.perSecond', 'Requests/s (last min)')}
${figure('requests.serverErrors', 'Server errors')}
${figure('store.requestCharge', 'RU spent')}
${figure('store.calls', 'Store calls')}
${figure('cache.hitRate', 'Cache hit rate')}
${figure('cache.ruSaved', 'RU saved by cache')}
${figure('resilience.retries', 'Retries')}
${figure('resilience.throttles', 'Throttled')}
${figure('resilience.timeouts', 'Timeouts')}
${figure('breaker.state', 'Circuit breaker')}
${figure('health.latest', 'Health')}
</dl>
<div class="grid">
${chartCard('chart-requests', 'Requests per second')}
${chartCard('chart-latency', 'Latency percentiles (ms)')}
${chartCard(
  'chart-ru',
  'RU/s by container',
  `<div class="table-scroll"><table><thead><tr><th>Container</th><th class="num">Calls</th><th class="num">RU</th></tr></thead><tbody id="containers"></tbody></table></div>`,
)}
${chartCard('chart-cache', 'Cache hit rate (%)')}
${chartCard('chart-breaker', 'Circuit breaker state', `<p id="breaker-note" class="note" hidden></p><ol id="breaker-history" class="history"></ol>`)}
${chartCard('chart-health', 'Health checks (latency by status)', `<ol id="health-history" class="history"></ol>`)}
<section class="card wide" aria-labelledby="shapes-title">
<h2 id="shapes-title">Top query shapes by RU (today)</h2>
<div class="table-scroll"><table class="shapes"><thead><tr><th>Query shape</th><th class="num">RU</th><th class="num">Calls</th><th class="num hide-narrow">Avg RU</th><th class="num hide-narrow">Avg ms</th><th class="num hide-narrow">Cached</th></tr></thead><tbody id="shapes"></tbody></table></div>
<p id="shapes-empty" class="note" hidden>No queries yet.</p>
</section>
<section class="card wide" aria-labelledby="routes-title">
<h2 id="routes-title">Routes since start</h2>
<div class="table-scroll"><table class="routes"><thead><tr><th>Route</th><th class="num">Requests</th><th class="num hide-narrow">4xx</th><th class="num hide-narrow">5xx</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num hide-narrow">max</th></tr></thead><tbody id="routes"></tbody></table></div>
</section>
<section class="card" aria-labelledby="cost-title">
<h2 id="cost-title">Latest daily cost</h2>
<p id="cost-note" class="note">Loading…</p>
<dl id="cost" class="pairs" hidden>
<dt>Period cost</dt><dd data-figure="cost.periodUsd">–</dd>
<dt>Projected 30 days</dt><dd data-figure="cost.projected30DaysUsd">–</dd>
<dt>Billing mode</dt><dd data-figure="cost.mode">–</dd>
<dt>RU in period</dt><dd data-figure="cost.requestCharge">–</dd>
<dt>Cache hit rate</dt><dd data-figure="cost.cacheHitRate">–</dd>
<dt>Report</dt><dd data-figure="cost.generatedAt">–</dd>
</dl>
<p id="throughput-advice" class="advice" hidden></p>
</section>
<section class="card" aria-labelledby="advice-title">
<h2 id="advice-title">Index advice</h2>
<p id="advice-note" class="note">Loading…</p>
<ol id="index-advice" class="advice-list"></ol>
</section>
<section class="card" aria-labelledby="health-report-title">
<h2 id="health-report-title">Latest health report</h2>
<p id="health-report-note" class="note">Loading…</p>
<dl id="health-report" class="pairs" hidden>
<dt>Status</dt><dd data-figure="healthReport.status">–</dd>
<dt>Checked</dt><dd data-figure="healthReport.checkedAt">–</dd>
<dt>Latency</dt><dd data-figure="healthReport.latencyMs">–</dd>
<dt>Store</dt><dd data-figure="healthReport.store">–</dd>
</dl>
</section>
</div>
</main>
<footer id="footer" class="footer"></footer>
${parts.scripts.map((script) => `<script>${script}</script>`).join('\n')}
</body>
</html>
`;
}
