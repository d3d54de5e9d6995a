import { AppError, isAppError, type ErrorCategory } from '../../errors/appError';
import { documentConflict, documentNotFound, preconditionFailed } from '../../errors/storeErrors';

// Every failure of a Cosmos call leaves the adapter as one AppError (architecture decision 7). The rules
// are a table, so the mapping can be read (and tested) in one place. The original error is kept as
// `cause` for diagnostics; its headers (session tokens, activity ids, request signatures) and any secret
// never reach the message.

/** One row of the mapping table: what the app says about a class of Cosmos failures. */
export interface ErrorRule {
  code: string;
  category: ErrorCategory;
  /** The HTTP status the API answers with. */
  status: number;
  retryable: boolean;
  summary: string;
}

const rule = (
  code: string,
  category: ErrorCategory,
  status: number,
  retryable: boolean,
  summary: string,
): ErrorRule => ({ code, category, status, retryable, summary });

// A backend that cannot be reached or refuses the app's credentials is an outage of this API: 503, so
// clients see "try later" rather than a 401/403 that would suggest *their* credentials are wrong.
const CONNECTION = rule('STORE_UNAVAILABLE', 'CONNECTION', 503, true, 'Cosmos DB could not be reached');
const TIMEOUT = rule('STORE_TIMEOUT', 'TIMEOUT', 503, true, 'Cosmos DB did not answer in time');
const AUTH = rule('STORE_AUTH_FAILED', 'AUTH', 503, false, "Cosmos DB refused the app's credentials");
// A certificate the client refuses: a connection failure, but one that retrying does not fix.
const TLS = rule(
  'STORE_TLS_FAILED',
  'CONNECTION',
  503,
  false,
  'The TLS certificate of Cosmos DB was not accepted',
);
const UNKNOWN = rule('STORE_ERROR', 'DATA', 500, false, 'Cosmos DB request failed');

/** By HTTP status of the Cosmos response. */
export const STATUS_RULES: ReadonlyMap<number, ErrorRule> = new Map([
  [400, rule('BAD_REQUEST', 'VALIDATION', 400, false, 'Cosmos DB rejected the request as invalid')],
  [401, AUTH],
  [403, AUTH],
  [404, rule('NOT_FOUND', 'NOT_FOUND', 404, false, 'Cosmos DB resource not found')],
  [408, TIMEOUT],
  [409, rule('CONFLICT', 'CONFLICT', 409, false, 'Cosmos DB reported a conflict')],
  [412, rule('PRECONDITION_FAILED', 'CONFLICT', 412, false, 'The document changed (If-Match did not match)')],
  [
    413,
    rule('PAYLOAD_TOO_LARGE', 'DATA', 413, false, 'The document or batch is larger than Cosmos DB accepts'),
  ],
  // Gone: a partition moved or split. The SDK refreshes its routing and retries; one that still surfaces
  // is transient.
  [410, rule('STORE_UNAVAILABLE', 'CONNECTION', 503, true, 'Cosmos DB moved the partition; retry')],
  // Retry-With: a concurrent write on the same item made the service refuse this one for now.
  [449, rule('RETRY_WITH', 'CONFLICT', 409, true, 'Cosmos DB asked to retry a write that raced another')],
  // Only reached once the SDK's own throttling retries (connectionPolicy.ts) are exhausted.
  [
    429,
    rule('THROTTLED', 'THROTTLE', 429, true, 'Cosmos DB is throttling requests (request units exhausted)'),
  ],
  // The service's own failure; transient by Cosmos DB's guidance, so an outage to retry, not a bad request.
  [500, rule('STORE_INTERNAL_ERROR', 'CONNECTION', 503, true, 'Cosmos DB failed internally')],
  [503, CONNECTION],
]);

/**
 * By HTTP status and x-ms-substatus, where the substatus changes what the status means. Checked before
 * STATUS_RULES; a status/substatus pair not listed falls back to the status alone.
 */
export const SUBSTATUS_RULES: ReadonlyMap<string, ErrorRule> = new Map([
  // ReadSessionNotAvailable: the replica has not caught up with the session token yet. Not a missing item.
  [
    '404/1002',
    rule('STORE_SESSION_UNAVAILABLE', 'CONNECTION', 503, true, 'Cosmos DB replica not caught up; retry'),
  ],
  // WriteForbidden: the region stopped taking writes (a failover is in progress).
  [
    '403/3',
    rule('STORE_WRITE_FORBIDDEN', 'CONNECTION', 503, true, 'Cosmos DB region does not take writes now'),
  ],
  // The account is being created, deleted or failed over.
  ['403/1008', rule('STORE_UNAVAILABLE', 'CONNECTION', 503, true, 'Cosmos DB account is not available')],
  // Throttled on request units vs. on the service's own resources: both are throttling, retry later.
  [
    '429/3200',
    rule('THROTTLED', 'THROTTLE', 429, true, 'Cosmos DB is throttling requests (request units exhausted)'),
  ],
  [
    '429/3092',
    rule('THROTTLED', 'THROTTLE', 429, true, 'Cosmos DB is throttling requests (system resources)'),
  ],
]);

/** By Node.js/SDK error code when there is no HTTP response at all. */
export const NETWORK_CODE_RULES: ReadonlyMap<string, ErrorRule> = new Map([
  ...[
    'ECONNREFUSED',
    'ECONNRESET',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ECONNABORTED',
  ].map((code): [string, ErrorRule] => [code, CONNECTION]),
  ...[
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ].map((code): [string, ErrorRule] => [code, TLS]),
  // The SDK's own per-request timeout (connectionPolicy.requestTimeout) after its failover retries.
  ['TimeoutError', TIMEOUT],
]);

/** By error name, for credential failures of @azure/identity and aborted requests. */
export const NAME_RULES: ReadonlyMap<string, ErrorRule> = new Map([
  ['CredentialUnavailableError', AUTH],
  ['AuthenticationError', AUTH],
  ['AggregateAuthenticationError', AUTH],
  ['TimeoutError', TIMEOUT],
  ['AbortError', TIMEOUT],
]);

/** What the adapter was doing when the error happened; used for the message and the store-error constructors. */
export interface CosmosErrorContext {
  /** e.g. "read", "query", "initialize". */
  operation: string;
  container?: string;
  id?: string;
  /** Values that must never appear in the message (the account key). */
  secrets?: readonly string[];
}

interface Facts {
  status?: number;
  substatus?: number;
  networkCode?: string;
  name?: string;
  message: string;
  retryAfterMs?: number;
}

type ErrorLike = {
  code?: unknown;
  statusCode?: unknown;
  name?: unknown;
  message?: unknown;
  retryAfterInMs?: unknown;
  headers?: unknown;
  cause?: unknown;
};

function asRecord(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

function substatusOf(error: ErrorLike): number | undefined {
  const direct = (error as { substatus?: unknown }).substatus;
  if (typeof direct === 'number') return direct;
  const raw = (asRecord(error.headers) as Record<string, unknown> | undefined)?.['x-ms-substatus'];
  const parsed = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isInteger(parsed) ? parsed : undefined;
}

function retryAfterOf(error: ErrorLike): number | undefined {
  if (typeof error.retryAfterInMs === 'number' && error.retryAfterInMs >= 0) return error.retryAfterInMs;
  const headers = asRecord(error.headers) as Record<string, unknown> | undefined;
  const raw = headers?.['x-ms-retry-after-ms'];
  const parsed = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

// The SDK wraps some failures (batch: `new Error("Batch request error: ...", { cause })`), so the facts
// are gathered along the cause chain: the first HTTP status or network code found wins.
function factsOf(error: unknown): Facts {
  const top = asRecord(error);
  const facts: Facts = { message: typeof top?.message === 'string' ? top.message : String(error) };
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth += 1) {
    const e = asRecord(current);
    if (!e) break;
    // Only an HTTP-range number is a status: a DOMException (AbortError) also has a numeric `code` (20).
    const isStatus = (v: unknown): v is number => typeof v === 'number' && v >= 100 && v <= 599;
    if (isStatus(e.code) && facts.status === undefined) {
      facts.status = e.code;
      if (typeof e.message === 'string' && e.message) facts.message = e.message;
    } else if (isStatus(e.statusCode) && facts.status === undefined) {
      facts.status = e.statusCode;
    }
    if (typeof e.code === 'string' && facts.networkCode === undefined) facts.networkCode = e.code;
    if (typeof e.name === 'string' && NAME_RULES.has(e.name) && facts.name === undefined) facts.name = e.name;
    facts.retryAfterMs ??= retryAfterOf(e);
    facts.substatus ??= substatusOf(e);
    current = e.cause;
  }
  return facts;
}

function pickRule(facts: Facts): ErrorRule {
  if (facts.status !== undefined) {
    const specific =
      facts.substatus !== undefined ? SUBSTATUS_RULES.get(`${facts.status}/${facts.substatus}`) : undefined;
    return specific ?? STATUS_RULES.get(facts.status) ?? UNKNOWN;
  }
  if (facts.networkCode !== undefined && NETWORK_CODE_RULES.has(facts.networkCode)) {
    return NETWORK_CODE_RULES.get(facts.networkCode) as ErrorRule;
  }
  if (facts.name !== undefined) return NAME_RULES.get(facts.name) as ErrorRule;
  return UNKNOWN;
}

/** One short line of the backend's text: the first line, without secrets, at most 200 characters. */
export function safeDetail(message: string, secrets: readonly string[] = []): string {
  // A Cosmos gateway message is "Message: {...}\r\nActivityId: ..., Request URI: ..., RequestStats: ...";
  // only the first line says what went wrong, the rest is diagnostics that belong in the cause.
  let line = message.split(/\r?\n/, 1)[0].trim();
  for (const secret of secrets) {
    if (secret.length >= 4) line = line.split(secret).join('[redacted]');
  }
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function findAppError(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth += 1) {
    if (isAppError(current)) return current;
    current = asRecord(current)?.cause;
  }
  return undefined;
}

/** Maps any error thrown by the Cosmos SDK (or the credential stack) to the app's AppError. */
export function mapCosmosError(error: unknown, context: CosmosErrorContext): AppError {
  // Our own validation errors and Key Vault errors are already AppErrors, possibly wrapped by the SDK.
  const own = findAppError(error);
  if (own) return own;

  const facts = factsOf(error);
  const chosen = pickRule(facts);
  const { container, id } = context;
  if (container !== undefined && id !== undefined) {
    // Document-level outcomes use the shared constructors, so both adapters say the same thing.
    if (chosen.code === 'NOT_FOUND') return documentNotFound(container, id, error);
    if (chosen.code === 'CONFLICT') return documentConflict(container, id, error);
    if (chosen.code === 'PRECONDITION_FAILED') return preconditionFailed(container, id, error);
  }

  const where = container ? ` on container '${container}'` : '';
  const status =
    facts.status !== undefined ? `HTTP ${facts.status}` : (facts.networkCode ?? facts.name ?? 'no status');
  const detail = safeDetail(facts.message, context.secrets);
  return new AppError(
    `${chosen.summary} (${context.operation}${where}, ${status})${detail ? `: ${detail}` : '.'}`,
    {
      code: chosen.code,
      category: chosen.category,
      status: chosen.status,
      retryable: chosen.retryable,
      retryAfterMs: chosen.category === 'THROTTLE' ? facts.retryAfterMs : undefined,
      cause: error,
    },
  );
}
