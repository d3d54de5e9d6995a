import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
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
/** Starts the server on a free loopback port and resolves once it accepts connections. */
export async function startBenchCosmosServer(): Promise<BenchCosmosServer> {
  const port = await freePort();
  const cli = path.join(
    path.dirname(require.resolve('@vercel/cosmosdb-server/package.json')),
    'lib',
    'cli.js',
  );
  const child = spawn(process.execPath, [cli, '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
