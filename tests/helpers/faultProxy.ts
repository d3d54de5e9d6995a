import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { generate } from 'selfsigned';

// A fault-injecting reverse proxy on loopback between the real @azure/cosmos SDK and the Cosmos test
// server (@vercel/cosmosdb-server). Faults are switched at run time, per scenario, and every decision is
// counted, so a test can say exactly what the SDK went through.
//
// Layout, and why:
//   SDK --TLS--> [net.Server (TCP) -> https.Server (TLS + HTTP)] --TLS--> test server
// - TCP is accepted by a plain net.Server that hands sockets to an https.Server only when no black hole is
//   active. That is how a black hole can hold *new connections* (accepted, but not even a TLS handshake),
//   as a dead network path does, rather than refusing them (which the SDK would see as ECONNREFUSED at
//   once, a different and much easier failure).
// - TLS is terminated here with a self-signed certificate generated at run time (selfsigned, which builds
//   it with @peculiar/x509 on node:crypto's WebCrypto: maintained, CommonJS, ships its types; nothing to
//   check in and nothing that expires in the repository). The SDK accepts it because the store's settings
//   use COSMOS_ALLOW_INSECURE_TLS=true, which the settings accept only for loopback endpoints.
// - Upstream is a second TLS connection to the test server, rejectUnauthorized false: it is a loopback
//   server with its own self-signed certificate, and this proxy is test code.
// - Keep-alive towards the SDK is preserved (the test server answers "connection: close", which the proxy
//   does not pass on), so the SDK's pooled sockets stay open and resets and black holes hit them too.
// - The SDK discovers the account's regions with GET / and then sends everything to the locations that
//   document lists, which name the test server. The proxy rewrites those locations to its own address,
//   so after discovery the SDK keeps talking to the proxy (tests prove it by counting).

/** What kind of Cosmos request this is, from its method, path and headers. */
export type OperationClass = 'account' | 'metadata' | 'read' | 'query' | 'write' | 'batch';

/** Which requests a rule applies to; every given condition must hold. */
export interface RequestMatch {
  operations?: readonly OperationClass[];
  methods?: readonly string[];
  path?: RegExp;
  /** Header name (lower case) -> pattern its value must match; a missing header never matches. */
  headers?: Readonly<Record<string, RegExp>>;
  /** Any other condition. */
  where?: (request: RequestFacts) => boolean;
}

/** Before the request reaches the server, or after the server has answered (its work is done). */
export type FaultPhase = 'beforeForward' | 'afterForward';

/** What to do to a matching request. */
export type Fault =
  | {
      /** Answer with this status and a Cosmos-style error body instead of (or after) forwarding. */
      kind: 'status';
      status: number;
      /** Sent as x-ms-retry-after-ms (the SDK's throttling retry waits exactly this long). */
      retryAfterMs?: number;
      /** x-ms-substatus; default 3200 (RU budget exceeded) for 429, none otherwise. */
      substatus?: number;
      /** Default beforeForward. afterForward: the server did the work, the client hears the failure. */
      phase?: FaultPhase;
    }
  | {
      /** Destroy the client's connection (TCP RST) without an answer. */
      kind: 'reset';
      /** afterForward is the "write landed, acknowledgement lost" case. */
      phase: FaultPhase;
    }
  | {
      /** Wait before forwarding (slow network towards the server) or before answering (slow answer). */
      kind: 'latency';
      ms: number | { min: number; max: number };
      phase?: 'beforeForward' | 'beforeAnswer';
    }
  | {
      /**
       * Add headers to the server's answer: what a real account sends and the test server does not (index
       * metrics, for one).
       */
      kind: 'headers';
      headers: Readonly<Record<string, string>>;
    };

/** A fault, the requests it applies to, and how often. */
export interface FaultRule {
  fault: Fault;
  match?: RequestMatch;
  /** Chance that a matching request gets the fault, drawn from the proxy's seeded random; default 1. */
  probability?: number;
  /** Fire for at most this many requests ("the next N"); default unlimited. */
  times?: number;
}

/** A rule that was added; lets a test see how often it fired and remove it. */
export interface FaultRuleHandle {
  readonly rule: FaultRule;
  /** How many requests this rule has been applied to. */
  readonly fired: number;
  remove(): void;
}

/** What the proxy knows about one request when deciding. */
export interface RequestFacts {
  seq: number;
  method: string;
  path: string;
  operation: OperationClass;
  headers: http.IncomingHttpHeaders;
  /** Requests this connection had carried before this one (0: a fresh connection; >0: a pooled one). */
  connectionRequestIndex: number;
}

/** One line of the proxy's request log. */
export interface ProxiedRequest extends RequestFacts {
  /** What happened, in order: "latency:+120ms", "forwarded", "status:429", "reset:afterForward", ... */
  events: string[];
  /** The status the client got, if it got one. */
  answeredStatus?: number;
  /** Status the server answered, if the request was forwarded. */
  upstreamStatus?: number;
}

/** Names of the fault counters. */
export type FaultCounter =
  | 'status429'
  | 'status503'
  | 'status408'
  | 'statusOther'
  | 'resetBeforeForward'
  | 'resetAfterForward'
  | 'latency'
  | 'blackHoledRequests'
  | 'blackHoledConnections'
  | 'blackHoledResponses';

/** Counters since start (or the last resetStats). */
export interface FaultProxyStats {
  connectionsAccepted: number;
  requestsSeen: number;
  /** Requests sent on to the server (whatever happened to the answer). */
  forwarded: number;
  /** Responses written to the client (proxied or injected). */
  answered: number;
  /** Requests that arrived on a pooled connection (not the first on their socket). */
  onPooledConnections: number;
  /** Account documents whose locations were rewritten to the proxy. */
  accountRewrites: number;
  byOperation: Record<OperationClass, number>;
  faults: Record<FaultCounter, number>;
  /** Total latency added, ms. */
  latencyAddedMs: number;
}

/** Options of startFaultProxy. */
export interface FaultProxyOptions {
  /** The real server, e.g. process.env.LT_TEST_COSMOS_ENDPOINT. Must be on loopback. */
  upstream: string;
  /** Seed of the random that decides probabilistic faults and random latencies; default 1. */
  seed?: number;
  /** Rewrite the account document's locations to the proxy; default true (false only to show the bypass). */
  rewriteAccountLocations?: boolean;
  /**
   * Present the account as a real one, so the SDK runs endpoint discovery as it does against Azure; default
   * true. false passes the test server's account as it is, which the SDK treats as an emulator's (see
   * rewriteAccount).
   */
  discoverableAccount?: boolean;
  /** Keep at most this many entries in the request log; default 5000. */
  logLimit?: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** https://127.0.0.1:PORT/ — give this to the store as COSMOS_ENDPOINT. */
  readonly endpoint: string;
  readonly port: number;
  readonly upstreamPort: number;
  /** Adds a rule; rules are evaluated in the order they were added. */
  inject(rule: FaultRule): FaultRuleHandle;
  /** Removes every rule (a black hole in progress stays: end it with endBlackHole). */
  clearFaults(): void;
  /**
   * Black-holes everything: requests on open connections are never answered, new connections are accepted
   * and held without a TLS handshake, answers arriving from the server are dropped. Ends by itself after
   * durationMs (omit to end it with endBlackHole()). Resolves when the black hole has ended.
   */
  blackHole(durationMs?: number): Promise<void>;
  /** Ends a black hole now: every held connection is reset (see the comment in the implementation). */
  endBlackHole(): void;
  readonly blackHoleActive: boolean;
  /** Restarts the seeded random (a scenario replays the same decisions for the same request sequence). */
  reseed(seed: number): void;
  stats(): FaultProxyStats;
  /** The request log, oldest first (bounded by logLimit). */
  requests(): readonly ProxiedRequest[];
  /** Zeroes the counters and clears the log. */
  resetStats(): void;
  /** Stops listening, destroys every connection (client and upstream) and every pending timer. */
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);

const COSMOS_CODE_NAMES: Readonly<Record<number, string>> = {
  408: 'RequestTimeout',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Classifies a Cosmos REST request. Documents live under /dbs/{db}/colls/{coll}/docs; the SDK marks
 * queries (x-ms-documentdb-isquery, or the query-plan request) and batches (x-ms-cosmos-is-batch-request)
 * with headers, because all three are POSTs to the same path.
 */
export function classifyRequest(
  method: string,
  path: string,
  headers: http.IncomingHttpHeaders,
): OperationClass {
  const bare = path.split('?', 1)[0].replace(/\/+$/, '');
  if (method === 'GET' && bare === '') return 'account';
  const isDocs = /\/docs(\/[^/]+)?$/.test(bare);
  if (!isDocs) return 'metadata';
  if (headers['x-ms-cosmos-is-batch-request'] !== undefined) return 'batch';
  if (
    headers['x-ms-documentdb-isquery'] !== undefined ||
    headers['x-ms-cosmos-is-query-plan-request'] !== undefined
  ) {
    return 'query';
  }
  if (method === 'GET') return /\/docs\/[^/]+$/.test(bare) ? 'read' : 'query';
  return 'write';
}

function matches(match: RequestMatch | undefined, facts: RequestFacts): boolean {
  if (!match) return true;
  if (match.operations && !match.operations.includes(facts.operation)) return false;
  if (match.methods && !match.methods.includes(facts.method)) return false;
  if (match.path && !match.path.test(facts.path)) return false;
  for (const [name, pattern] of Object.entries(match.headers ?? {})) {
    const value = facts.headers[name];
    if (value === undefined || !pattern.test(Array.isArray(value) ? value.join(',') : value)) return false;
  }
  return match.where ? match.where(facts) : true;
}

function emptyStats(): FaultProxyStats {
  return {
    connectionsAccepted: 0,
    requestsSeen: 0,
    forwarded: 0,
    answered: 0,
    onPooledConnections: 0,
    accountRewrites: 0,
    byOperation: { account: 0, metadata: 0, read: 0, query: 0, write: 0, batch: 0 },
    faults: {
      status429: 0,
      status503: 0,
      status408: 0,
      statusOther: 0,
      resetBeforeForward: 0,
      resetAfterForward: 0,
      latency: 0,
      blackHoledRequests: 0,
      blackHoledConnections: 0,
      blackHoledResponses: 0,
    },
    latencyAddedMs: 0,
  };
}

let certificate: Promise<{ key: string; cert: string }> | undefined;

// One certificate per test process: generating a key pair costs tens of milliseconds and every proxy on
// 127.0.0.1 can present the same one. EC P-256 because it is much faster to generate than RSA 2048.
function proxyCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Starts a fault proxy on 127.0.0.1 (a free port) in front of the given loopback HTTPS server. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstreamUrl = new URL(options.upstream);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstreamUrl.hostname)) {
    throw new Error(`the fault proxy forwards to loopback only, not ${upstreamUrl.hostname}`);
  }
  const upstreamPort = Number(upstreamUrl.port || 443);
  const rewrite = options.rewriteAccountLocations ?? true;
  const discoverable = options.discoverableAccount ?? true;
  const logLimit = options.logLimit ?? 5000;
  const { key, cert } = await proxyCertificate();

  let random = seededRandom(options.seed ?? 1);
  let stats = emptyStats();
  let log: ProxiedRequest[] = [];
  let seq = 0;
  const rules: { rule: FaultRule; fired: number; removed: boolean }[] = [];

  // Every socket and timer the proxy owns, so close() and endBlackHole() can leave nothing behind.
  const rawSockets = new Map<number, net.Socket>(); // by the client's (loopback) source port
  const heldConnections = new Set<net.Socket>();
  const heldRequests = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let blackHoleUntil: number | undefined; // Infinity: until endBlackHole()
  let blackHoleTimer: NodeJS.Timeout | undefined;
  let blackHoleWaiters: (() => void)[] = [];
  let closed = false;

  // keepAlive upstream too: the test server closes after each answer anyway ("connection: close"), and
  // the agent copes with that; the agent is destroyed on close().
  const upstreamAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

  const blackHoled = (): boolean => blackHoleUntil !== undefined && Date.now() < blackHoleUntil;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  // A real reset (RST) on the client's TCP connection, not a polite FIN: that is what a crashed gateway
  // or a middlebox dropping the flow looks like. resetAndDestroy() needs the raw TCP socket, which the
  // TLS socket wraps; it is found by the client's source port (unique per live loopback connection).
  const resetClient = (socket: net.Socket): void => {
    const raw = socket.remotePort !== undefined ? rawSockets.get(socket.remotePort) : undefined;
    if (raw && !raw.destroyed) raw.resetAndDestroy();
    socket.destroy();
  };

  const hold = (entry: ProxiedRequest, res: http.ServerResponse, counter: FaultCounter): void => {
    stats.faults[counter] += 1;
    entry.events.push('blackHole');
    heldRequests.add(res);
    res.on('close', () => heldRequests.delete(res));
  };

  const answerFault = (
    entry: ProxiedRequest,
    res: http.ServerResponse,
    fault: Extract<Fault, { kind: 'status' }>,
  ): void => {
    const counter: FaultCounter =
      fault.status === 429
        ? 'status429'
        : fault.status === 503
          ? 'status503'
          : fault.status === 408
            ? 'status408'
            : 'statusOther';
    stats.faults[counter] += 1;
    entry.events.push(`status:${fault.status}`);
    // The SDK parses every error body as JSON and takes `message` from it, and reads the retry delay and
    // substatus from these headers (RequestHandler -> ErrorResponse.retryAfterInMs / substatus); a body
    // that is not JSON would make the SDK throw a SyntaxError instead of a Cosmos error.
    const codeName = COSMOS_CODE_NAMES[fault.status] ?? `Status${fault.status}`;
    const body = JSON.stringify({
      code: codeName,
      message: `Message: {"Errors":["Injected by the fault proxy: ${codeName}"]}\r\nActivityId: ${randomUUID()}`,
    });
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-ms-activity-id': randomUUID(),
      'x-ms-request-charge': '0',
    };
    const substatus = fault.substatus ?? (fault.status === 429 ? 3200 : undefined);
    if (substatus !== undefined) headers['x-ms-substatus'] = String(substatus);
    if (fault.retryAfterMs !== undefined) headers['x-ms-retry-after-ms'] = String(fault.retryAfterMs);
    entry.answeredStatus = fault.status;
    stats.answered += 1;
    res.writeHead(fault.status, headers).end(body);
  };

  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
    entry: ProxiedRequest,
  ): Promise<Upstream | Error> =>
    new Promise((resolve) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
      }
      headers['content-length'] = body.length;
      stats.forwarded += 1;
      entry.events.push('forwarded');
      const upstreamReq = https.request(
        {
          host: upstreamUrl.hostname.replace(/^\[|\]$/g, ''),
          port: upstreamPort,
          method: req.method,
          path: req.url,
          headers,
          agent: upstreamAgent,
        },
        (upstreamRes) => {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.on('end', () =>
            resolve({
              status: upstreamRes.statusCode ?? 502,
              headers: upstreamRes.headers,
              body: Buffer.concat(chunks),
            }),
          );
          upstreamRes.on('error', resolve);
        },
      );
      upstreamReq.on('error', resolve);
      upstreamReq.end(body);
    });

  // The account document lists the regions the SDK will talk to after discovery. They name the test
  // server ("https://localhost:PORT/"); pointing them at the proxy keeps every later request here.
  // The test server listens on every interface, so it calls its account "localhost", and the SDK
  // (DatabaseAccount) ignores the locations of an account with that id, as an emulator's: it then never
  // caches a location, reads the account (GET /) twice before every operation and sends everything to
  // the configured endpoint. Against Azure, discovery happens once and later requests go to the listed
  // locations. Renaming the account gives the SDK that real behaviour (so timings under faults are the
  // ones production would see, not dominated by account reads), and makes the rewrite of the locations
  // what keeps the traffic on the proxy.
  const rewriteAccount = (upstream: Upstream): Buffer => {
    try {
      const account = JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown>;
      if (discoverable && account.id === 'localhost') account.id = 'lifetracker-fault-proxy';
      if (!rewrite) return Buffer.from(JSON.stringify(account));
      for (const field of ['writableLocations', 'readableLocations']) {
        const locations = account[field];
        if (!Array.isArray(locations)) continue;
        for (const location of locations as Record<string, unknown>[]) {
          if (typeof location === 'object' && location !== null) {
            location.databaseAccountEndpoint = proxy.endpoint;
          }
        }
      }
      stats.accountRewrites += 1;
      return Buffer.from(JSON.stringify(account));
    } catch {
      return upstream.body;
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const socket = req.socket;
    const socketState = socket as net.Socket & { ltRequests?: number };
    const connectionRequestIndex = socketState.ltRequests ?? 0;
    socketState.ltRequests = connectionRequestIndex + 1;

    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    seq += 1;
    const entry: ProxiedRequest = {
      seq,
      method,
      path,
      operation: classifyRequest(method, path, req.headers),
      // The authorization header is a signature made with the account key: never kept in the log, which
      // scenarios may print.
      headers: { ...req.headers, ...(req.headers.authorization ? { authorization: '[redacted]' } : {}) },
      connectionRequestIndex,
      events: [],
    };
    if (log.length >= logLimit) log.shift();
    log.push(entry);
    stats.requestsSeen += 1;
    stats.byOperation[entry.operation] += 1;
    if (connectionRequestIndex > 0) stats.onPooledConnections += 1;

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);

    if (blackHoled()) return hold(entry, res, 'blackHoledRequests');

    // Decide everything up front, in rule order, so the random draws happen in request-arrival order
    // (the same sequential scenario with the same seed gives the same faults). Latency rules add up; the
    // first status/reset rule that fires is the request's outcome.
    let latencyBeforeForward = 0;
    let latencyBeforeAnswer = 0;
    let outcome: Extract<Fault, { kind: 'status' | 'reset' }> | undefined;
    const extraHeaders: Record<string, string> = {};
    for (const slot of rules) {
      if (slot.removed || (slot.rule.times !== undefined && slot.fired >= slot.rule.times)) continue;
      if (!matches(slot.rule.match, entry)) continue;
      const { fault, probability = 1 } = slot.rule;
      if (fault.kind !== 'latency' && fault.kind !== 'headers' && outcome) continue;
      if (probability < 1 && random() >= probability) continue;
      slot.fired += 1;
      if (fault.kind === 'headers') {
        Object.assign(extraHeaders, fault.headers);
        entry.events.push(`headers:${Object.keys(fault.headers).join(',')}`);
      } else if (fault.kind === 'latency') {
        const ms =
          typeof fault.ms === 'number'
            ? fault.ms
            : Math.round(fault.ms.min + random() * (fault.ms.max - fault.ms.min));
        stats.faults.latency += 1;
        stats.latencyAddedMs += ms;
        entry.events.push(`latency:+${ms}ms@${fault.phase ?? 'beforeForward'}`);
        if (fault.phase === 'beforeAnswer') latencyBeforeAnswer += ms;
        else latencyBeforeForward += ms;
      } else {
        outcome = fault;
      }
    }

    // Forwarding goes ahead even if the client gave up during the delay: its bytes had already left, and
    // a write the client timed out on but the server still applies is exactly what resilience must face.
    if (latencyBeforeForward > 0) await sleep(latencyBeforeForward);
    if (closed) return;
    if (blackHoled()) return hold(entry, res, 'blackHoledRequests');

    const outcomePhase = outcome?.kind === 'status' ? (outcome.phase ?? 'beforeForward') : outcome?.phase;
    if (outcome && outcomePhase === 'beforeForward') {
      if (latencyBeforeAnswer > 0) await sleep(latencyBeforeAnswer);
      if (outcome.kind === 'reset') {
        stats.faults.resetBeforeForward += 1;
        entry.events.push('reset:beforeForward');
        return resetClient(socket);
      }
      return answerFault(entry, res, outcome);
    }

    const upstream = await forward(req, body, entry);
    if (closed) return;
    if (upstream instanceof Error) {
      entry.events.push(`upstreamError:${(upstream as NodeJS.ErrnoException).code ?? upstream.message}`);
      stats.answered += 1;
      entry.answeredStatus = 502;
      res
        .writeHead(502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'bad gateway' }));
      return;
    }
    entry.upstreamStatus = upstream.status;
    if (outcome?.kind === 'reset') {
      // The server has done the work (a write is stored); the client never hears of it.
      stats.faults.resetAfterForward += 1;
      entry.events.push('reset:afterForward');
      return resetClient(socket);
    }
    if (latencyBeforeAnswer > 0) await sleep(latencyBeforeAnswer);
    if (closed) return;
    if (blackHoled()) return hold(entry, res, 'blackHoledResponses');
    if (outcome?.kind === 'status') return answerFault(entry, res, outcome);

    const responseBody =
      entry.operation === 'account' && upstream.status === 200 ? rewriteAccount(upstream) : upstream.body;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    Object.assign(headers, extraHeaders);
    headers['content-length'] = responseBody.length;
    entry.answeredStatus = upstream.status;
    stats.answered += 1;
    res.writeHead(upstream.status, headers).end(responseBody);
  };

  const tlsServer = https.createServer({ key, cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A proxy bug must not pass for an injected fault: make it loud in the test output.
      console.error('fault proxy: request handling failed', error);
      res.destroy();
    });
  });
  // TLS handshake failures (a client that gave up mid-handshake) are expected under faults.
  tlsServer.on('tlsClientError', () => undefined);

  const tcpServer = net.createServer((socket) => {
    stats.connectionsAccepted += 1;
    socket.on('error', () => undefined);
    const port = socket.remotePort;
    if (port !== undefined) {
      rawSockets.set(port, socket);
      socket.on('close', () => {
        if (rawSockets.get(port) === socket) rawSockets.delete(port);
        heldConnections.delete(socket);
      });
    }
    if (blackHoled()) {
      // Accepted, never answered: the client waits for a TLS ServerHello that does not come.
      stats.faults.blackHoledConnections += 1;
      heldConnections.add(socket);
      return;
    }
    tlsServer.emit('connection', socket);
  });

  await new Promise<void>((resolve, reject) => {
    tcpServer.once('error', reject);
    tcpServer.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (tcpServer.address() as net.AddressInfo).port;

  const endBlackHole = (): void => {
    if (blackHoleTimer) clearTimeout(blackHoleTimer);
    blackHoleTimer = undefined;
    blackHoleUntil = undefined;
    // A healed network path does not replay what it swallowed: the flows it held are gone (as after a
    // firewall or NAT dropped their state). Resetting them makes any client still waiting on one give up
    // and reconnect; leaving them open would only let stale requests land long after their caller left.
    for (const socket of heldConnections) socket.resetAndDestroy();
    heldConnections.clear();
    for (const res of heldRequests) if (res.socket) resetClient(res.socket);
    heldRequests.clear();
    const waiters = blackHoleWaiters;
    blackHoleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const proxy: FaultProxy = {
    endpoint: `https://127.0.0.1:${port}/`,
    port,
    upstreamPort,
    inject(rule) {
      if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
        throw new Error('probability must be between 0 and 1');
      }
      const slot = { rule, fired: 0, removed: false };
      rules.push(slot);
      return {
        rule,
        get fired() {
          return slot.fired;
        },
        remove() {
          slot.removed = true;
          const index = rules.indexOf(slot);
          if (index >= 0) rules.splice(index, 1);
        },
      };
    },
    clearFaults() {
      for (const slot of rules) slot.removed = true;
      rules.length = 0;
    },
    blackHole(durationMs) {
      if (blackHoleTimer) clearTimeout(blackHoleTimer);
      blackHoleUntil = durationMs === undefined ? Infinity : Date.now() + durationMs;
      // Requests already waiting for the server are caught when their answer arrives (blackHoledResponses).
      if (durationMs !== undefined) blackHoleTimer = setTimeout(endBlackHole, durationMs);
      return new Promise<void>((resolve) => blackHoleWaiters.push(resolve));
    },
    endBlackHole,
    get blackHoleActive() {
      return blackHoled();
    },
    reseed(seed) {
      random = seededRandom(seed);
    },
    stats() {
      return structuredClone(stats);
    },
    requests() {
      return log;
    },
    resetStats() {
      stats = emptyStats();
      log = [];
      seq = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      endBlackHole();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const stopped = new Promise<void>((resolve) => tcpServer.close(() => resolve()));
      for (const socket of rawSockets.values()) socket.destroy();
      rawSockets.clear();
      tlsServer.close();
      upstreamAgent.destroy();
      await stopped;
    },
  };
  return proxy;
}
