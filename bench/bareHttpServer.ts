// The bare baseline of the API benchmark: a node:http server that answers each path with bytes captured
// from the real API (same status, headers and body), doing no other work. Run as a child process:
//   node dist/bench/bareHttpServer.js <fixtures.json>
// It prints {"port": n} on stdout once listening, and stops on SIGTERM.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One captured response, as the benchmark writes it for this server. */
export interface BareFixture {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
}

/** Serves the fixtures (path with query -> response) on 127.0.0.1 and resolves with the port. */
export function serveFixtures(
  fixtures: Record<string, BareFixture>,
): Promise<{ server: http.Server; port: number }> {
  const responses = new Map(
    Object.entries(fixtures).map(([url, f]) => [url, { ...f, body: Buffer.from(f.bodyBase64, 'base64') }]),
  );
  const server = http.createServer((request, response) => {
    const found = responses.get(request.url ?? '');
    if (!found) {
      response.writeHead(404).end();
      return;
    }
    // The request body (none for these GETs) is drained so keep-alive connections stay in sync.
    request.resume();
    response.writeHead(found.status, { ...found.headers, 'content-length': String(found.body.length) });
    response.end(found.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

if (require.main === module) {
  const fixtures = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Record<string, BareFixture>;
  void serveFixtures(fixtures).then(({ server, port }) => {
    process.stdout.write(`${JSON.stringify({ port })}\n`);
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
  });
}
