// A seeded workload through the API, as a few users, so that every figure of the dashboard has data:
// creates, lists asked again (cache hits), item reads, a bulk import, the fitness summary, client errors,
// and health checks. The same seed makes the same requests; the summary counts them per operation so a
// test can say what the dashboard must show.
import type { ApiClient, ApiResponse, ApiUnderTest } from '../api/apiHarness';
import { seededRandom } from './metricsFixture';

/** What the workload sent: requests per operation ("POST tasks") as the metrics name them, and per status. */
export interface LoadSummary {
  requests: number;
  byOperation: Map<string, number>;
  byStatus: Map<number, number>;
}

/** Sends a seeded workload as `users` users; every answer must be the status the workload expects. */
export async function generateLoad(
  api: ApiUnderTest,
  options: { seed?: number; users?: number } = {},
): Promise<LoadSummary> {
  const random = seededRandom(options.seed ?? 11);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const summary: LoadSummary = { requests: 0, byOperation: new Map(), byStatus: new Map() };

  const call = async (
    expected: number,
    operation: string,
    send: () => Promise<ApiResponse>,
  ): Promise<ApiResponse> => {
    const response = await send();
    if (response.status !== expected)
      throw new Error(
        `${operation}: expected ${expected}, got ${response.status} ${response.text.slice(0, 600)}`,
      );
    summary.requests += 1;
    summary.byOperation.set(operation, (summary.byOperation.get(operation) ?? 0) + 1);
    summary.byStatus.set(response.status, (summary.byStatus.get(response.status) ?? 0) + 1);
    return response;
  };

  const asUser = async (user: ApiClient, index: number) => {
    await call(201, 'PUT me', () =>
      user.put('me', { displayName: `Dashboard user ${index}`, timezone: 'UTC' }),
    );
    const projects: string[] = [];
    for (let p = 0; p < 2; p += 1) {
      const id = `dash-project-${index}-${p}`;
      await call(201, 'POST projects', () =>
        user.post('projects', { id, name: `Project ${p}`, color: '#2266aa' }),
      );
      projects.push(id);
    }
    const tasks: string[] = [];
    for (let t = 0; t < 6; t += 1) {
      const id = `dash-task-${index}-${t}`;
      await call(201, 'POST tasks', () =>
        user.post('tasks', {
          id,
          title: `Task ${t}`,
          priority: 1 + Math.floor(random() * 5),
          dueDate: `2026-12-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
          ...(random() < 0.7 ? { projectId: pick(projects) } : {}),
        }),
      );
      tasks.push(id);
    }
    for (let f = 0; f < 4; f += 1) {
      await call(201, 'POST fitness', () =>
        user.post('fitness', {
          type: pick(['run', 'walk', 'cycle', 'yoga'] as const),
          date: `2026-11-${String(10 + f).padStart(2, '0')}`,
          durationMinutes: 20 + Math.floor(random() * 40),
          calories: 100 + Math.floor(random() * 400),
        }),
      );
    }
    await call(207, 'POST bulk/{entity}', () =>
      user.post('bulk/tasks', {
        items: Array.from({ length: 10 }, (_, i) => ({ title: `Bulk ${i}`, priority: 1 + (i % 5) })),
      }),
    );
    // The same lists again and again, as a client refreshing does: the second and later are cache hits.
    // Ascending only: the Cosmos test server serves a composite index in its declared order, not reversed.
    for (let r = 0; r < 3; r += 1) {
      await call(200, 'GET tasks', () => user.get('tasks?sort=dueDate&order=asc'));
      await call(200, 'GET tasks', () => user.get(`tasks?projectId=${projects[0]}&sort=priority&order=asc`));
      await call(200, 'GET projects', () => user.get('projects?sort=name&order=asc'));
      await call(200, 'GET fitness/summary', () => user.get('fitness/summary?from=2026-11-01&to=2026-11-30'));
    }
    await call(200, 'GET fitness', () =>
      user.get('fitness?from=2026-11-01&to=2026-11-30&type=run&order=asc'),
    );
    for (const id of tasks) await call(200, 'GET tasks/{id}', () => user.get(`tasks/${id}`));
    await call(200, 'PATCH tasks/{id}', () => user.patch(`tasks/${tasks[0]}`, { status: 'done' }));
    await call(404, 'GET tasks/{id}', () => user.get('tasks/no-such-task'));
    await call(400, 'POST tasks', () => user.post('tasks', { title: '' }));
  };

  const users = options.users ?? 3;
  for (let u = 0; u < users; u += 1) await asUser(api.as(`dash-user-${u}`), u);
  for (let h = 0; h < 2; h += 1) await call(200, 'GET health', () => api.anonymous.get('health'));
  return summary;
}
