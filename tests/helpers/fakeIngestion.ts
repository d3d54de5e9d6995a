// A fake Application Insights ingestion endpoint on loopback, for the telemetry tests. It records every
// envelope the SDK posts to /v2.1/track (or /v2/track) and counts every request of any kind, so a test can
// also prove that nothing at all arrived.
//
// HTTPS, not HTTP: the 3.x exporter rewrites an http:// IngestionEndpoint to https:// (its connection
// string parser), so a plain server would only see TLS handshakes it cannot read. The certificate is
// self-signed and generated at run time (selfsigned, as the fault proxy does); a process trusts it with
// trustInThisProcess() (tls.setDefaultCACertificates, in-process tests) or NODE_EXTRA_CA_CERTS=caFile (a
// child process). Live Metrics (QuickPulse) pings, sent to LiveEndpoint, are answered "not subscribed".
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { generate } from 'selfsigned';

/** One envelope as the SDK sends it (the fields the tests read). */
export interface Envelope {
  name: string;
  time: string;
  iKey: string;
  /** Percentage of items like this one that were kept; absent when everything was (100). */
  sampleRate?: number;
  tags?: Record<string, string>;
  data: {
    baseType: string;
    baseData: {
      name?: string;
      id?: string;
      url?: string;
      responseCode?: string;
      resultCode?: string;
      success?: boolean;
      duration?: string;
      type?: string;
      target?: string;
      data?: string;
      metrics?: { name: string; value: number; count?: number; min?: number; max?: number }[];
      exceptions?: { typeName: string; message: string }[];
      properties?: Record<string, string>;
      measurements?: Record<string, number>;
    };
  };
}

/** A running fake ingestion endpoint. */
export interface FakeIngestion {
  /** https://127.0.0.1:<port>/ */
  url: string;
  /** A connection string with a fake key whose ingestion (and Live Metrics) endpoint is this server. */
  connectionString: string;
  /** The self-signed certificate (PEM) and a file holding it, for NODE_EXTRA_CA_CERTS. */
  caCertificate: string;
  caFile: string;
  /** Every envelope received so far, in arrival order. */
  envelopes: Envelope[];
  /** Every request received so far (track posts, Live Metrics, anything), as "METHOD path". */
  requests: string[];
  /** Makes this process trust the certificate (adds it to the default CA list). */
  trustInThisProcess(): void;
  /** Resolves with the envelopes once `done(envelopes)` is true; rejects after `timeoutMs`. */
  waitFor(done: (envelopes: Envelope[]) => boolean, timeoutMs?: number): Promise<Envelope[]>;
  close(): Promise<void>;
}

/** The fake instrumentation key every fake connection string carries. */
export const FAKE_INSTRUMENTATION_KEY = '11111111-2222-3333-4444-555555555555';

function decode(body: Buffer, encoding: string | undefined): unknown[] {
  const raw = encoding === 'gzip' ? zlib.gunzipSync(body) : body;
  const text = raw.toString('utf8').trim();
  if (!text) return [];
  // A JSON array of envelopes; older senders used one envelope per line.
  if (text.startsWith('[')) return JSON.parse(text) as unknown[];
  return text.split('\n').map((line) => JSON.parse(line) as unknown);
}

/** Starts the fake endpoint on 127.0.0.1, on a free port. */
export async function startFakeIngestion(): Promise<FakeIngestion> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      // A CA certificate, so a trust store accepts it as the anchor of its own chain.
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const envelopes: Envelope[] = [];
  const requests: string[] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const pathname = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
      if (request.method === 'POST' && /^\/v2(\.1)?\/track$/.test(pathname)) {
        let items: unknown[];
        try {
          items = decode(Buffer.concat(chunks), request.headers['content-encoding']);
        } catch {
          response.writeHead(400).end();
          return;
        }
        envelopes.push(...(items as Envelope[]));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }),
        );
        return;
      }
      // Live Metrics: nobody is watching, so the SDK only keeps pinging now and then.
      response.writeHead(200, { 'content-type': 'application/json', 'x-ms-qps-subscribed': 'false' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}/`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-fake-ingestion-'));
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, pems.cert);

  return {
    url,
    connectionString: `InstrumentationKey=${FAKE_INSTRUMENTATION_KEY};IngestionEndpoint=${url};LiveEndpoint=${url}`,
    caCertificate: pems.cert,
    caFile,
    envelopes,
    requests,
    trustInThisProcess: () => {
      const current = tls.getCACertificates('default');
      if (!current.includes(pems.cert)) tls.setDefaultCACertificates([...current, pems.cert]);
    },
    waitFor: async (done, timeoutMs = 15_000) => {
      for (const deadline = Date.now() + timeoutMs; ;) {
        if (done(envelopes)) return envelopes;
        if (Date.now() > deadline)
          throw new Error(`the expected telemetry did not arrive (${envelopes.length} items)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The envelopes of one type: Request, RemoteDependency, Metric, Event, Exception, ... */
export function itemsOf(envelopes: readonly Envelope[], baseType: string): Envelope[] {
  return envelopes.filter((envelope) => envelope.data.baseType === baseType);
}

/** Every metric point received, flattened, with the dimensions of its envelope. */
export function metricPoints(
  envelopes: readonly Envelope[],
): { name: string; value: number; count?: number; properties: Record<string, string> }[] {
  return itemsOf(envelopes, 'MetricData').flatMap((envelope) =>
    (envelope.data.baseData.metrics ?? []).map((metric) => ({
      name: metric.name,
      value: metric.value,
      count: metric.count,
      properties: envelope.data.baseData.properties ?? {},
    })),
  );
}
