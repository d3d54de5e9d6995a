// @ts-check
// The dashboard's client: polls GET /api/metrics (and the latest reports, less often) with the identity the
// page was opened with, and draws them with uPlot. It runs in the browser, inlined into the page after
// uPlot's own script, under a CSP that allows exactly these two scripts and fetches to this origin only.
// Every string from the API reaches the page through textContent, never as markup: query shapes, advice and
// error details are data. Type-checked against the API's contract by tsconfig.json beside it (checkJs).
/* global uPlot, document, window, location, sessionStorage, fetch, FormData, HTMLElement, URLSearchParams, ResizeObserver, setTimeout, clearTimeout, performance */

/** @typedef {import('../../metrics/metricsSnapshot').MetricsSnapshot} MetricsSnapshot */
/** @typedef {MetricsSnapshot['timeline']['points'][number]} TimelinePoint */
/** @typedef {MetricsSnapshot['breaker']} Breaker */
/** @typedef {MetricsSnapshot['health']['history'][number]} HealthPoint */
/**
 * The fields of the stored cost report (shared/reports/costReport.ts) the page shows; reports written by an
 * older version may lack some, so each is read defensively.
 * @typedef {{
 *   generatedAt?: string,
 *   period?: { from?: string, to?: string },
 *   ruSource?: string,
 *   totals?: { requestCharge?: number, cacheHitRate?: number },
 *   cost?: { mode?: string, periodUsd?: number, projected30DaysUsd?: number },
 *   throughputAdvice?: { text?: string },
 *   indexAdvice?: { suggestions?: { text?: string, impact?: string, reason?: string }[] },
 * }} CostReportView
 */
/**
 * The fields of the stored health report the page shows.
 * @typedef {{
 *   status?: string, checkedAt?: string, reportedAt?: string, latencyMs?: number, backend?: string,
 *   checks?: { store?: { ok?: boolean, error?: string, breaker?: { state?: string } } },
 * }} HealthReportView
 */
/** @typedef {{ status: number, body: unknown }} ApiAnswer */

(function dashboard() {
  'use strict';

  const TOKEN_KEY = 'lifetracker.dashboard.token';
  const REPORTS_EVERY_MS = 60_000;
  const COLORS = ['#2b6cb0', '#d69e2e', '#c53030', '#2f855a', '#6b46c1', '#dd6b20', '#319795', '#b83280'];
  const BREAKER_STATES = ['closed', 'half-open', 'open'];

  const body = document.body;
  const params = new URLSearchParams(location.search);
  const authMode = body.dataset.authMode ?? 'dev';
  const refreshSeconds = Math.min(300, Math.max(1, Number(params.get('refresh')) || 5));

  // ---- DOM helpers: text only ----

  /** @param {string} id */
  function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`The page has no #${id}`);
    return element;
  }

  /**
   * @param {string} tag
   * @param {string} [className]
   * @param {string} [text]
   */
  function element(tag, className, text) {
    const created = document.createElement(tag);
    if (className) created.className = className;
    if (text !== undefined) created.textContent = text;
    return created;
  }

  /**
   * Writes a figure's text into every element that shows it.
   * @param {string} key
   * @param {string} text
   */
  function setFigure(key, text) {
    for (const target of document.querySelectorAll(`[data-figure="${key}"]`)) target.textContent = text;
  }

  /**
   * @param {string} id
   * @param {string} text
   * @param {'ok' | 'warn' | 'bad' | 'info'} [tone]
   */
  function setNote(id, text, tone = 'info') {
    const note = byId(id);
    note.textContent = text;
    note.dataset.tone = tone;
    note.hidden = text === '';
  }

  // ---- Number formats (fixed en-US, so what the page shows does not depend on the browser's locale) ----

  /** @param {number} digits */
  const fixed = (digits) =>
    new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const integerFormat = fixed(0);
  const oneDecimal = fixed(1);
  const twoDecimals = fixed(2);
  const format = {
    /** @param {number} value */
    count: (value) => integerFormat.format(value),
    /** @param {number} value */
    rate: (value) => twoDecimals.format(value),
    /** @param {number} value */
    ms: (value) => `${oneDecimal.format(value)} ms`,
    /** @param {number} value */
    ru: (value) => twoDecimals.format(value),
    /** @param {number} ratio 0..1 */
    percent: (ratio) => `${oneDecimal.format(ratio * 100)} %`,
    /** @param {number} usd */
    usd: (usd) =>
      usd >= 1 || usd === 0
        ? `$${twoDecimals.format(usd)}`
        : `$${new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 }).format(usd)}`,
    /** @param {string} iso */
    time: (iso) =>
      new Date(iso)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
    /** @param {number} seconds */
    duration: (seconds) => {
      const s = Math.floor(seconds);
      if (s < 120) return `${s} s`;
      if (s < 7200) return `${Math.floor(s / 60)} min`;
      return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    },
  };

  // ---- Identity: the same credentials the page was opened with ----

  /** @returns {Record<string, string>} */
  function identityHeaders() {
    if (authMode === 'dev') {
      /** @type {Record<string, string>} */
      const headers = {};
      const user = params.get('user');
      const roles = params.get('roles');
      if (user) headers['x-ms-client-principal-id'] = user;
      if (roles) headers['x-ms-client-principal-roles'] = roles;
      return headers;
    }
    if (authMode === 'jwt') {
      const token = sessionStorage.getItem(TOKEN_KEY);
      return token ? { authorization: `Bearer ${token}` } : {};
    }
    // easyauth: the App Service session cookie rides along with every same-origin fetch.
    return {};
  }

  /**
   * GET a JSON resource of the API, relative to the page (/api/dashboard -> /api/<path>).
   * @param {string} path
   * @returns {Promise<ApiAnswer>}
   */
  async function getJson(path) {
    const response = await fetch(new URL(path, location.href), {
      headers: { accept: 'application/json', ...identityHeaders() },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const text = await response.text();
    /** @type {unknown} */
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: response.status, body: parsed };
  }

  /**
   * The detail of a problem+json answer, when it has one.
   * @param {unknown} problem
   */
  function problemDetail(problem) {
    if (problem && typeof problem === 'object' && 'detail' in problem && typeof problem.detail === 'string')
      return problem.detail;
    return '';
  }

  // ---- Sign-in panel ----

  /** @param {string} reason */
  function showSignIn(reason) {
    body.dataset.state = 'signin';
    byId('content').hidden = true;
    byId('sign-in').hidden = false;
    byId('sign-in-reason').textContent = reason;
    for (const mode of ['dev', 'jwt', 'easyauth']) byId(`sign-in-${mode}`).hidden = mode !== authMode;
    const login = /** @type {HTMLAnchorElement} */ (byId('easyauth-login'));
    login.href = `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(location.pathname + location.search)}`;
    setStatus('Not signed in as an admin.', 'warn');
  }

  function hideSignIn() {
    byId('sign-in').hidden = true;
  }

  byId('sign-in-dev').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const data = new URLSearchParams();
    const user = String(new FormData(form).get('user') ?? '').trim();
    const roles = String(new FormData(form).get('roles') ?? '').trim();
    data.set('user', user);
    if (roles) data.set('roles', roles);
    if (params.has('refresh')) data.set('refresh', String(params.get('refresh')));
    location.assign(`${location.pathname}?${data.toString()}`);
  });

  byId('sign-in-jwt').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const token = String(new FormData(form).get('token') ?? '')
      .trim()
      .replace(/^Bearer\s+/i, '');
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    form.reset();
    hideSignIn();
    restart();
  });

  const signOut = byId('sign-out');
  signOut.hidden = authMode === 'dev' && !params.has('user');
  signOut.addEventListener('click', () => {
    if (authMode === 'jwt') {
      sessionStorage.removeItem(TOKEN_KEY);
      stop();
      showSignIn('Signed out: the token was removed from this tab.');
    } else if (authMode === 'easyauth') {
      location.assign('/.auth/logout');
    } else {
      location.assign(location.pathname);
    }
  });

  // ---- Status line ----

  /**
   * @param {string} text
   * @param {'ok' | 'warn' | 'bad' | 'info'} tone
   */
  function setStatus(text, tone) {
    const status = byId('status');
    status.textContent = text;
    status.dataset.tone = tone;
  }

  // ---- Charts ----

  /** @type {Map<string, { plot: uPlot, key: string }>} */
  const charts = new Map();

  /** @param {HTMLElement} host */
  function chartSize(host) {
    const width = Math.max(240, Math.floor(host.clientWidth));
    return { width, height: width < 480 ? 180 : 220 };
  }

  const resizer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const chart = charts.get(entry.target.id);
      if (chart) chart.plot.setSize(chartSize(/** @type {HTMLElement} */ (entry.target)));
    }
  });

  /**
   * Draws a chart, or updates it in place; a new key (another set of series) rebuilds it.
   * @param {string} id
   * @param {string} key
   * @param {(size: { width: number, height: number }) => uPlot.Options} options
   * @param {uPlot.AlignedData} data
   */
  function drawChart(id, key, options, data) {
    const host = byId(id);
    let chart = charts.get(id);
    if (chart && chart.key !== key) {
      chart.plot.destroy();
      charts.delete(id);
      chart = undefined;
    }
    if (chart) chart.plot.setData(data);
    else {
      charts.set(id, { plot: new uPlot(options(chartSize(host)), data, host), key });
      resizer.observe(host);
    }
    let points = 0;
    for (const series of data.slice(1))
      for (const value of series) if (value !== null && value !== undefined) points++;
    host.dataset.points = String(points);
  }

  /**
   * A line series.
   * @param {string} label
   * @param {number} index colour
   * @param {Partial<uPlot.Series>} [extra]
   * @returns {uPlot.Series}
   */
  function line(label, index, extra = {}) {
    return { label, stroke: COLORS[index % COLORS.length], width: 2, spanGaps: false, ...extra };
  }

  /**
   * Options shared by every chart: time on x, a legend under the plot.
   * @param {{ width: number, height: number }} size
   * @param {uPlot.Series[]} series
   * @param {Partial<uPlot.Options>} [extra]
   * @returns {uPlot.Options}
   */
  function chartOptions(size, series, extra = {}) {
    return {
      ...size,
      series: [{ label: 'Time' }, ...series],
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      // Room on the left for the date uPlot writes under the first time tick.
      padding: [12, 16, 0, 24],
      ...extra,
      scales: { x: { time: true, range: timeRange }, ...extra.scales },
    };
  }

  // The time axis runs from the first point to the snapshot's time, so a chart with one point (a fresh
  // instance) shows seconds, not the years uPlot would pad a single value with.
  let snapshotSeconds = 0;
  /** @type {uPlot.Range.Function} */
  function timeRange(_u, min, max) {
    const end = Math.max(max, snapshotSeconds);
    return end - min >= 1 ? [min, end] : [min - 30, end + 30];
  }

  /** @param {string} iso */
  const seconds = (iso) => Date.parse(iso) / 1000;

  /** @param {MetricsSnapshot} snapshot */
  function drawTimelineCharts(snapshot) {
    const { slotSeconds, points } = snapshot.timeline;
    const x = points.map((p) => seconds(p.at));
    /** @param {(p: TimelinePoint) => number | null} pick */
    const column = (pick) => points.map(pick);

    drawChart(
      'chart-requests',
      'requests',
      (size) =>
        chartOptions(size, [line('requests/s', 0, { fill: 'rgba(43,108,176,0.12)' }), line('5xx/s', 2)]),
      [x, column((p) => p.requests / slotSeconds), column((p) => p.serverErrors / slotSeconds)],
    );

    // A slot without requests has no latency: a gap, not a misleading zero.
    /** @param {(p: TimelinePoint) => number} pick */
    const latency = (pick) => column((p) => (p.requests > 0 ? pick(p) : null));
    drawChart(
      'chart-latency',
      'latency',
      (size) => chartOptions(size, [line('p50', 3), line('p95', 1), line('p99', 2)]),
      [x, latency((p) => p.p50Ms), latency((p) => p.p95Ms), latency((p) => p.p99Ms)],
    );

    const containers = [...new Set(points.flatMap((p) => Object.keys(p.requestChargeByContainer)))].sort();
    drawChart(
      'chart-ru',
      `ru:${containers.join(',')}`,
      (size) =>
        chartOptions(
          size,
          containers.map((c, i) => line(c, i)),
        ),
      [x, ...containers.map((c) => column((p) => (p.requestChargeByContainer[c] ?? 0) / slotSeconds))],
    );

    drawChart(
      'chart-cache',
      'cache',
      (size) =>
        chartOptions(size, [line('hit rate %', 3, { fill: 'rgba(47,133,90,0.12)' })], {
          scales: { y: { range: [0, 100] } },
        }),
      [
        x,
        column((p) =>
          p.cacheHits + p.cacheMisses > 0 ? (100 * p.cacheHits) / (p.cacheHits + p.cacheMisses) : null,
        ),
      ],
    );
  }

  /** @param {MetricsSnapshot} snapshot */
  function drawBreaker(snapshot) {
    const { breaker } = snapshot;
    const host = byId('chart-breaker');
    const list = byId('breaker-history');
    list.replaceChildren();
    if (breaker.state === 'none') {
      host.hidden = true;
      host.dataset.points = '0';
      setNote('breaker-note', 'The local store has no circuit breaker: it cannot lose its connection.');
      return;
    }
    host.hidden = false;
    setNote('breaker-note', '');
    const history = [...breaker.history].sort((a, b) => a.at.localeCompare(b.at));
    const first = snapshot.timeline.points[0]?.at ?? snapshot.startedAt;
    const start = Math.min(seconds(first), ...history.map((t) => seconds(t.at)));
    /** @type {number[]} */
    const x = [start];
    // Before its first recorded transition a breaker is closed; without transitions it has been in its
    // current state all along.
    /** @type {number[]} */
    const y = [BREAKER_STATES.indexOf(history.length ? 'closed' : breaker.state)];
    for (const transition of history) {
      x.push(seconds(transition.at));
      y.push(BREAKER_STATES.indexOf(transition.state));
    }
    x.push(Math.max(seconds(snapshot.generatedAt), x[x.length - 1]));
    y.push(BREAKER_STATES.indexOf(breaker.state));
    drawChart(
      'chart-breaker',
      'breaker',
      (size) =>
        chartOptions(size, [line('state', 2, { paths: uPlot.paths.stepped?.({ align: 1 }) })], {
          scales: { y: { range: [-0.25, 2.25] } },
          axes: [
            {},
            {
              splits: () => [0, 1, 2],
              values: (_u, splits) => splits.map((v) => BREAKER_STATES[v] ?? ''),
              size: 80,
            },
          ],
        }),
      [x, y],
    );
    for (const transition of history.slice(-5).reverse())
      list.append(element('li', '', `${format.time(transition.at)} → ${transition.state}`));
  }

  /** @param {MetricsSnapshot} snapshot */
  function drawHealth(snapshot) {
    const history = [...snapshot.health.history].sort((a, b) => a.at.localeCompare(b.at));
    const x = history.map((h) => seconds(h.at));
    /** @param {HealthPoint['status']} status */
    const byStatus = (status) => history.map((h) => (h.status === status ? h.latencyMs : null));
    /** @type {(index: number, label: string) => uPlot.Series} */
    const dots = (index, label) => line(label, index, { paths: () => null, points: { show: true, size: 9 } });
    drawChart(
      'chart-health',
      'health',
      (size) => chartOptions(size, [dots(3, 'healthy ms'), dots(1, 'degraded ms'), dots(2, 'unhealthy ms')]),
      [x, byStatus('healthy'), byStatus('degraded'), byStatus('unhealthy')],
    );
    const list = byId('health-history');
    list.replaceChildren();
    for (const check of history.slice(-5).reverse()) {
      const item = element('li', '', `${format.time(check.at)} · ${format.ms(check.latencyMs)} · `);
      const pill = element('span', 'pill', check.status);
      pill.dataset.tone = toneOf(check.status);
      item.append(pill);
      list.append(item);
    }
  }

  /** @param {string} status */
  function toneOf(status) {
    if (status === 'healthy' || status === 'closed') return 'ok';
    if (status === 'degraded' || status === 'half-open') return 'warn';
    if (status === 'unhealthy' || status === 'open') return 'bad';
    return 'info';
  }

  // ---- Tables ----

  /**
   * @param {HTMLElement} row
   * @param {string} text
   * @param {string} [className]
   */
  function cell(row, text, className = 'num') {
    row.append(element('td', className, text));
  }

  /** @param {MetricsSnapshot} snapshot */
  function drawShapes(snapshot) {
    const rows = byId('shapes');
    rows.replaceChildren();
    const shapes = [...snapshot.store.topShapes].sort((a, b) => b.requestCharge - a.requestCharge);
    const most = Math.max(0, ...shapes.map((s) => s.requestCharge));
    for (const shape of shapes) {
      const row = element('tr');
      row.dataset.container = shape.container;
      const label = element('td', 'shape-cell');
      label.append(element('span', 'container', shape.container), element('code', 'shape', shape.shape));
      const bar = element('div', 'bar');
      // CSSOM, not a style attribute: allowed by the page's style-src.
      bar.style.width = `${most > 0 ? (100 * shape.requestCharge) / most : 0}%`;
      label.append(bar);
      row.append(label);
      cell(row, format.ru(shape.requestCharge));
      cell(row, format.count(shape.calls));
      cell(row, format.ru(shape.avgRu), 'num hide-narrow');
      cell(row, format.ms(shape.avgDurationMs), 'num hide-narrow');
      cell(row, format.count(shape.cachedCalls), 'num hide-narrow');
      rows.append(row);
    }
    byId('shapes-empty').hidden = shapes.length > 0;
  }

  /** @param {MetricsSnapshot} snapshot */
  function drawRoutes(snapshot) {
    const rows = byId('routes');
    rows.replaceChildren();
    const routes = [...snapshot.requests.routes].sort(
      (a, b) => b.count - a.count || a.operation.localeCompare(b.operation),
    );
    for (const route of routes) {
      const row = element('tr');
      row.dataset.operation = route.operation;
      cell(row, route.operation, 'operation');
      cell(row, format.count(route.count));
      cell(row, format.count(route.clientErrors), 'num hide-narrow');
      cell(row, format.count(route.serverErrors), 'num hide-narrow');
      cell(row, format.ms(route.p50Ms));
      cell(row, format.ms(route.p95Ms));
      cell(row, format.ms(route.p99Ms));
      cell(row, format.ms(route.maxMs), 'num hide-narrow');
      rows.append(row);
    }
  }

  /** @param {MetricsSnapshot} snapshot */
  function drawContainers(snapshot) {
    const rows = byId('containers');
    rows.replaceChildren();
    for (const container of [...snapshot.store.byContainer].sort(
      (a, b) => b.requestCharge - a.requestCharge,
    )) {
      const row = element('tr');
      row.dataset.container = container.container;
      cell(row, container.container, '');
      cell(row, format.count(container.calls));
      cell(row, format.ru(container.requestCharge));
      rows.append(row);
    }
  }

  // ---- One snapshot ----

  /** @param {MetricsSnapshot} snapshot */
  function render(snapshot) {
    byId('content').hidden = false;
    hideSignIn();
    byId('instance').textContent =
      `${snapshot.backend} store · instance ${snapshot.instanceId} · up ${format.duration(snapshot.uptimeSeconds)}`;
    const generated = byId('generated-at');
    generated.setAttribute('datetime', snapshot.generatedAt);
    setFigure('generatedAt', format.time(snapshot.generatedAt));
    body.dataset.generatedAt = snapshot.generatedAt;
    snapshotSeconds = seconds(snapshot.generatedAt);

    setFigure('requests.total', format.count(snapshot.requests.total));
    setFigure('requests.perSecond', format.rate(snapshot.requests.perSecond));
    setFigure('requests.serverErrors', format.count(snapshot.requests.serverErrors));
    setFigure('store.requestCharge', format.ru(snapshot.store.requestCharge));
    setFigure('store.calls', format.count(snapshot.store.calls));
    setFigure('cache.hitRate', format.percent(snapshot.cache.hitRate));
    setFigure('cache.ruSaved', format.ru(snapshot.cache.ruSaved));
    setFigure('resilience.retries', format.count(snapshot.resilience.retries));
    setFigure('resilience.throttles', format.count(snapshot.resilience.throttles));
    setFigure('resilience.timeouts', format.count(snapshot.resilience.timeouts));
    setFigure('breaker.state', snapshot.breaker.state === 'none' ? 'none (local)' : snapshot.breaker.state);
    setFigure('health.latest', snapshot.health.latest ? snapshot.health.latest.status : 'not checked yet');
    for (const key of ['breaker.state', 'health.latest']) {
      const target = document.querySelector(`[data-figure="${key}"]`);
      if (target instanceof HTMLElement) target.dataset.tone = toneOf(target.textContent ?? '');
    }

    drawTimelineCharts(snapshot);
    drawBreaker(snapshot);
    drawHealth(snapshot);
    drawShapes(snapshot);
    drawRoutes(snapshot);
    drawContainers(snapshot);
  }

  // ---- Reports ----

  /** @param {ApiAnswer} answer */
  function reportProblem(answer) {
    if (answer.status === 404) return 'No report stored yet.';
    if (answer.status === 503)
      return `Report storage unavailable: ${problemDetail(answer.body) || 'retry later.'}`;
    if (answer.status === 401 || answer.status === 403) return 'Not allowed to read the reports.';
    return `The report could not be read (HTTP ${answer.status}).`;
  }

  /** @param {ApiAnswer} answer */
  function renderCost(answer) {
    const list = byId('index-advice');
    list.replaceChildren();
    byId('throughput-advice').hidden = true;
    if (answer.status !== 200 || !answer.body || typeof answer.body !== 'object') {
      const why = reportProblem(answer);
      const hint =
        answer.status === 404
          ? ' The daily cost-report timer writes the first (COST_REPORT_SCHEDULE); locally, run it now with POST /admin/functions/costReport.'
          : '';
      byId('cost').hidden = true;
      setNote('cost-note', why + hint, answer.status === 404 ? 'info' : 'warn');
      setNote('advice-note', 'Index advice comes with the cost report.', 'info');
      return;
    }
    const report = /** @type {CostReportView} */ (answer.body);
    byId('cost').hidden = false;
    const period =
      report.period?.from && report.period.to
        ? `${format.time(report.period.from)} – ${format.time(report.period.to)}`
        : '';
    setNote('cost-note', period ? `Period ${period}` : '');
    setFigure('cost.periodUsd', format.usd(report.cost?.periodUsd ?? 0));
    setFigure('cost.projected30DaysUsd', format.usd(report.cost?.projected30DaysUsd ?? 0));
    setFigure('cost.mode', report.cost?.mode ?? 'unknown');
    setFigure(
      'cost.requestCharge',
      `${format.ru(report.totals?.requestCharge ?? 0)} RU (${report.ruSource ?? 'unknown'})`,
    );
    setFigure('cost.cacheHitRate', format.percent(report.totals?.cacheHitRate ?? 0));
    setFigure('cost.generatedAt', report.generatedAt ? format.time(report.generatedAt) : '–');
    const advice = byId('throughput-advice');
    advice.textContent = report.throughputAdvice?.text ?? '';
    advice.hidden = !advice.textContent;

    const suggestions = report.indexAdvice?.suggestions ?? [];
    setNote('advice-note', suggestions.length ? '' : 'No index changes suggested.', 'ok');
    for (const suggestion of suggestions) {
      const item = element('li');
      item.append(element('strong', 'advice-text', suggestion.text ?? ''));
      if (suggestion.impact) item.append(element('span', 'impact', ` · ${suggestion.impact}`));
      if (suggestion.reason) item.append(element('p', 'reason', suggestion.reason));
      list.append(item);
    }
  }

  /** @param {ApiAnswer} answer */
  function renderHealthReport(answer) {
    if (answer.status !== 200 || !answer.body || typeof answer.body !== 'object') {
      byId('health-report').hidden = true;
      const hint = answer.status === 404 ? ' The health-check timer stores one every 5 minutes.' : '';
      setNote('health-report-note', reportProblem(answer) + hint, answer.status === 404 ? 'info' : 'warn');
      return;
    }
    const report = /** @type {HealthReportView} */ (answer.body);
    byId('health-report').hidden = false;
    setNote('health-report-note', '');
    setFigure('healthReport.status', report.status ?? 'unknown');
    const when = report.reportedAt ?? report.checkedAt;
    setFigure('healthReport.checkedAt', when ? format.time(when) : '–');
    setFigure('healthReport.latencyMs', format.ms(report.latencyMs ?? 0));
    const store = report.checks?.store;
    const storeText = store?.ok
      ? `answering (${report.backend ?? ''}${store.breaker?.state ? `, breaker ${store.breaker.state}` : ''})`
      : `failing: ${store?.error ?? 'unknown'}`;
    setFigure('healthReport.store', storeText);
    const status = document.querySelector('[data-figure="healthReport.status"]');
    if (status instanceof HTMLElement) status.dataset.tone = toneOf(report.status ?? '');
  }

  // ---- Polling ----

  let paused = false;
  let metricsReady = false;
  let reportsReady = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let metricsTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let reportsTimer;
  let generation = 0;

  function markReady() {
    if (metricsReady && reportsReady) {
      body.dataset.state = 'ready';
      body.dataset.ready = 'true';
    }
  }

  /** @param {number} run */
  async function pollMetrics(run) {
    const started = performance.now();
    try {
      const answer = await getJson('metrics');
      if (run !== generation) return;
      if (answer.status === 401 || answer.status === 403) {
        stop();
        showSignIn(
          answer.status === 401
            ? 'No identity reached the API.'
            : 'Signed in, but without the admin role the dashboard needs.',
        );
        return;
      }
      if (answer.status !== 200) {
        setStatus(
          `GET /api/metrics answered ${answer.status}: ${problemDetail(answer.body) || 'retrying.'}`,
          'bad',
        );
      } else {
        render(/** @type {MetricsSnapshot} */ (answer.body));
        body.dataset.snapshots = String(Number(body.dataset.snapshots ?? '0') + 1);
        metricsReady = true;
        markReady();
        setStatus(
          `Updated ${new Date().toLocaleTimeString('en-GB')} in ${Math.round(performance.now() - started)} ms; every ${refreshSeconds} s.`,
          'ok',
        );
      }
    } catch (error) {
      if (run !== generation) return;
      setStatus(
        `The app did not answer (${error instanceof Error ? error.message : String(error)}); retrying.`,
        'bad',
      );
    }
    if (run === generation && !paused)
      metricsTimer = setTimeout(() => void pollMetrics(run), refreshSeconds * 1000);
  }

  /** @param {number} run */
  async function pollReports(run) {
    try {
      const [cost, health] = await Promise.all([
        getJson('reports/cost/latest'),
        getJson('reports/health/latest'),
      ]);
      if (run !== generation) return;
      renderCost(cost);
      renderHealthReport(health);
    } catch (error) {
      if (run !== generation) return;
      setNote(
        'cost-note',
        `The reports could not be read (${error instanceof Error ? error.message : String(error)}).`,
        'warn',
      );
    }
    reportsReady = true;
    markReady();
    if (run === generation && !paused)
      reportsTimer = setTimeout(() => void pollReports(run), REPORTS_EVERY_MS);
  }

  function stop() {
    generation++;
    clearTimeout(metricsTimer);
    clearTimeout(reportsTimer);
  }

  function restart() {
    stop();
    const run = generation;
    void pollMetrics(run);
    void pollReports(run);
  }

  const pause = byId('pause');
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    body.dataset.paused = String(paused);
    if (paused) {
      stop();
      setStatus('Paused: the figures are those of the snapshot shown.', 'info');
    } else restart();
  });

  byId('footer').textContent =
    `Polls /api/metrics every ${refreshSeconds} s and the latest reports every ${REPORTS_EVERY_MS / 1000} s. ` +
    `Charts: uPlot (MIT). Signed in with AUTH_MODE=${authMode}.`;

  if (authMode === 'jwt' && !sessionStorage.getItem(TOKEN_KEY)) showSignIn('Paste an access token to begin.');
  else restart();

  window.addEventListener('pageshow', (event) => {
    // Back from another page with the old timers gone: resume polling.
    if (event.persisted && !paused) restart();
  });
})();
