import type { ChildProcess } from 'node:child_process';

/**
 * Polls `<url>/api/health` every `pollMs` until it answers 200; fails when `child` exits first or after
 * `timeoutMs`. Resolves with the milliseconds since `started` (performance.now() when the child was spawned).
 */
export async function waitUntilHealthy(
  url: string,
  child: ChildProcess,
  options: { what: string; started: number; pollMs: number; timeoutMs?: number },
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  for (;;) {
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return performance.now() - options.started;
    if (child.exitCode !== null) throw new Error(`${options.what} exited with ${child.exitCode}`);
    if (performance.now() - options.started > timeoutMs) {
      throw new Error(`${options.what} was not healthy within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
