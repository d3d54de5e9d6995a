import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './freePort';

/** The Cosmos-protocol test server (@vercel/cosmosdb-server) in a process of its own. */
export interface BenchCosmosServer {
  /** https://127.0.0.1:PORT/ (self-signed certificate). */
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

// Its own process, so the server's work never shares the benchmark's event loop: an in-process server
// would make every request the client sends also cost the client's thread, and flatter neither side.
/** How the server answers. */
export interface BenchCosmosServerOptions {
  /**
   * Keep connections open between requests, as a real account's gateway does. The package's CLI answers
   * every request with "connection: close", so each request would pay a TLS handshake: fine for tests,
   * but it flattens any benchmark whose point is connection reuse. Off unless asked for.
   */
  keepAlive?: boolean;
}

// The CLI has no keep-alive flag, so the server is started through the package's own createHttpsServer.
const SERVER_SCRIPT = `
const { createHttpsServer } = require(process.argv[1]);
const server = createHttpsServer({ keepAlive: process.argv[3] === 'true' });
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[2]), '127.0.0.1');
`;

/** Starts the server on a free loopback port and resolves once it accepts connections. */
export async function startBenchCosmosServer(
  options: BenchCosmosServerOptions = {},
): Promise<BenchCosmosServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      SERVER_SCRIPT,
      require.resolve('@vercel/cosmosdb-server'),
      String(port),
      String(options.keepAlive === true),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cosmosdb-server exited early: ${output}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error(`cosmosdb-server did not start on ${port}: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint: `https://127.0.0.1:${port}/`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
