// A short, realistic read workload through the running app's HTTP API, as each demo user (dev-mode
// identity headers), so the app records real query shapes, request charges and cache hits for the
// reports and the dashboard: what a client's screens ask for, not a benchmark.
import type { DemoUser } from './demoData';

/** One kind of request of the workload and how it went. */
export interface RouteTally {
  route: string;
  requests: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
}

/** What the workload did, or why it did not run. */
export interface WorkloadReport {
  api: string;
  ran: boolean;
  /** Why it was skipped, or a warning about the app it ran against. */
  note?: string;
  /** The backend the app's /health names. */
  appBackend?: string;
  requests: number;
  ok: number;
  durationMs: number;
  routes: RouteTally[];
  /** The first unexpected answers. */
  failures: { route: string; userId: string; status: number; code?: string }[];
}

export interface WorkloadOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:7071/api. */
  api: string;
  users: readonly DemoUser[];
  /** YYYY-MM-DD: the day the demo history ends. */
  today: string;
  /** The backend the seed wrote to, to warn when the app reads another one. */
  backend: string;
  /** Users whose requests run at the same time. */
  concurrency?: number;
  fetchImpl?: typeof fetch;
}

interface Request {
  route: string;
  path: string;
  /** Follow the list's continuation token once (a client's second page). */
  nextPage?: boolean;
}

const PROBE_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 30_000;

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The requests one user's session makes: lists with filters and sorts, item reads, the fitness summary. */
function session(user: DemoUser, today: string): Request[] {
  const project = user.projects.find((p) => !p.archived) ?? user.projects[0];
  const favourite = user.fitness[0]?.type ?? 'run';
  const requests: Request[] = [
    { route: 'GET /me', path: '/me' },
    { route: 'GET /projects', path: '/projects' },
    { route: 'GET /projects?sort=name', path: '/projects?sort=name&order=asc&limit=20' },
    { route: 'GET /projects?archived', path: '/projects?archived=false' },
    { route: 'GET /projects/{id}', path: `/projects/${encodeURIComponent(project.id)}` },
    { route: 'GET /tasks', path: '/tasks' },
    { route: 'GET /tasks?status&sort=dueDate', path: '/tasks?status=todo&sort=dueDate&order=asc' },
    {
      route: 'GET /tasks?status&sort=priority',
      path: '/tasks?status=in_progress&sort=priority&order=desc',
    },
    {
      route: 'GET /tasks?projectId&sort=dueDate',
      path: `/tasks?projectId=${encodeURIComponent(project.id)}&sort=dueDate&order=asc`,
    },
    { route: 'GET /tasks?priority', path: '/tasks?priority=5' },
    {
      route: 'GET /tasks?dueBefore&sort=dueDate',
      path: `/tasks?dueBefore=${addDays(today, 7)}&sort=dueDate&order=asc`,
    },
    {
      route: 'GET /tasks?status=done&sort=createdAt',
      path: '/tasks?status=done&sort=createdAt&order=desc&limit=10',
      nextPage: true,
    },
    {
      route: 'GET /tasks?sort=priority&limit',
      path: '/tasks?sort=priority&order=desc&limit=5',
      nextPage: true,
    },
    ...user.tasks
      .slice(0, 3)
      .map((t) => ({ route: 'GET /tasks/{id}', path: `/tasks/${encodeURIComponent(t.id)}` })),
    { route: 'GET /fitness?from&to', path: `/fitness?from=${addDays(today, -30)}&to=${addDays(today, -1)}` },
    { route: 'GET /fitness?type', path: `/fitness?type=${favourite}` },
    {
      route: 'GET /fitness?from&to&type',
      path: `/fitness?from=${addDays(today, -90)}&to=${addDays(today, -1)}&type=${favourite}`,
    },
    { route: 'GET /fitness/summary', path: '/fitness/summary' },
    {
      route: 'GET /fitness/summary?from&to',
      path: `/fitness/summary?from=${addDays(today, -90)}&to=${addDays(today, -1)}`,
    },
  ];
  const entry = user.fitness[user.fitness.length - 1];
  if (entry) requests.push({ route: 'GET /fitness/{id}', path: `/fitness/${encodeURIComponent(entry.id)}` });
  // Back to the lists, as a client does after looking at items: within the query cache's TTL these are
  // answered from the app's cache, so the cost report has hits and RU saved to show.
  requests.push(
    { route: 'GET /tasks (again)', path: '/tasks' },
    { route: 'GET /fitness/summary (again)', path: '/fitness/summary' },
  );
  return requests;
}

/** Asks the app's /health; undefined when nothing answers (not started, wrong port). */
async function probe(api: string, fetchImpl: typeof fetch): Promise<{ backend?: string } | undefined> {
  try {
    const response = await fetchImpl(`${api}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await response.json().catch(() => ({}))) as { backend?: unknown };
    return { backend: typeof body.backend === 'string' ? body.backend : undefined };
  } catch {
    return undefined;
  }
}

/** Runs the workload as every demo user (a few users at a time); skipped with a note when the app is not reachable. */
export async function runReadWorkload(options: WorkloadOptions): Promise<WorkloadReport> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const api = options.api.replace(/\/+$/, '');
  const report: WorkloadReport = {
    api,
    ran: false,
    requests: 0,
    ok: 0,
    durationMs: 0,
    routes: [],
    failures: [],
  };
  const health = await probe(api, fetchImpl);
  if (!health) {
    report.note = `the app is not reachable at ${api} (start it with npm start, or pass --api)`;
    return report;
  }
  report.ran = true;
  report.appBackend = health.backend;
  if (health.backend && health.backend !== options.backend) {
    report.note = `the app at ${api} runs on the ${health.backend} store but the seed wrote to the ${options.backend} store; its reads will not find the demo data`;
  }

  const tallies = new Map<string, RouteTally>();
  const count = (route: string, status: number, userId: string, code?: string) => {
    const tally = tallies.get(route) ?? { route, requests: 0, statuses: {} };
    tally.requests += 1;
    tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
    tallies.set(route, tally);
    report.requests += 1;
    if (status === 200) report.ok += 1;
    else if (report.failures.length < 10) report.failures.push({ route, userId, status, code });
  };
  const call = async (userId: string, route: string, path: string): Promise<Record<string, unknown>> => {
    try {
      const response = await fetchImpl(`${api}${path}`, {
        headers: { 'x-ms-client-principal-id': userId, accept: 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      count(route, response.status, userId, typeof body.code === 'string' ? body.code : undefined);
      return body;
    } catch (error) {
      // A request that got no answer (the app stopped, a timeout) counts as status 0.
      count(route, 0, userId, error instanceof Error ? error.name : undefined);
      return {};
    }
  };

  const started = performance.now();
  const queue = [...options.users];
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      for (const request of session(user, options.today)) {
        const body = await call(user.userId, request.route, request.path);
        const token = body.continuationToken;
        if (request.nextPage && typeof token === 'string') {
          const separator = request.path.includes('?') ? '&' : '?';
          await call(
            user.userId,
            `${request.route} (next page)`,
            `${request.path}${separator}continuationToken=${encodeURIComponent(token)}`,
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker));
  report.durationMs = performance.now() - started;
  report.routes = [...tallies.values()];
  return report;
}
