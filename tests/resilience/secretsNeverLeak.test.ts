import { randomUUID } from 'node:crypto';
import { freePort } from '../helpers/freePort';
import { killChildren, removeTempDirs, spawnRunner } from '../runner/runnerHarness';

// The account key must never reach a log line, an error body or a health report, even when every call
// fails and the failures are logged at debug level. The real app (`npm start`'s entry) with a key that is
// easy to search for, against a Cosmos endpoint nobody listens on.

afterAll(async () => {
  await killChildren();
  removeTempDirs();
});

test('with a failing Cosmos backend and debug logging, the key appears in no response, log line or error', async () => {
  const key = Buffer.from(`secret-${randomUUID()}`).toString('base64');
  const runner = spawnRunner({
    PORT: '0',
    LOG_LEVEL: 'debug',
    DATA_BACKEND: 'cosmos',
    COSMOS_ENDPOINT: `https://127.0.0.1:${await freePort()}/`,
    COSMOS_KEY: key,
    COSMOS_ALLOW_INSECURE_TLS: 'true',
    COSMOS_REQUEST_TIMEOUT_MS: '300',
    STORE_BREAKER_THRESHOLD: '2',
  });
  const url = await runner.listening;
  const bodies: string[] = [];
  const headers = { 'x-ms-client-principal-id': 'alice', 'content-type': 'application/json' };
  for (const [method, path, body] of [
    ['GET', 'projects', undefined],
    ['POST', 'projects', JSON.stringify({ name: 'x' })],
    ['GET', 'me', undefined],
    ['GET', 'tasks/abc', undefined],
    ['GET', 'health', undefined],
    ['GET', 'projects', undefined],
  ] as const) {
    const response = await fetch(`${url}/api/${path}`, { method, headers, body });
    expect(response.status).toBeGreaterThanOrEqual(500); // the backend is down: nothing succeeds
    bodies.push(await response.text());
  }
  runner.child.kill('SIGTERM');
  await runner.exited;
  const everything = [...bodies, runner.stdoutText(), runner.stderrText()].join('\n');
  // The failures were logged (so the lines searched below are the ones that could have carried the key).
  expect(
    runner.lines.some(
      (l) => l.message === 'store breaker' || l.message === 'document store not ready at start-up',
    ),
  ).toBe(true);
  expect(everything).not.toContain(key);
  expect(everything).not.toContain(Buffer.from(key, 'base64').toString('utf8'));
});
