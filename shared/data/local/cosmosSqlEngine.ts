import { createHash } from 'node:crypto';
import createQuery, { SyntaxError as CosmosSqlSyntaxError } from '@zeit/cosmosdb-query';
import type { CompositeIndexPath } from '../catalogue';
import type { SqlParameter } from '../documentStore';
import { invalidStoreRequest } from '../../errors/storeErrors';
import { linearizeAccumulators } from './linearAccumulators';

type Query = ReturnType<typeof createQuery>;

// Clauses Cosmos DB supports but @zeit/cosmosdb-query cannot parse. Without this check the caller would
// get a parser message about an unexpected character; with it they learn which clause to avoid.
const UNSUPPORTED_CLAUSES: { clause: string; pattern: RegExp }[] = [
  { clause: 'OFFSET ... LIMIT', pattern: /\b(OFFSET|LIMIT)\b/i },
  { clause: 'GROUP BY', pattern: /\bGROUP\s+BY\b/i },
  { clause: 'DISTINCT', pattern: /\bDISTINCT\b/i },
];

const PARSED_QUERY_CACHE_SIZE = 500;
const parsedQueries = new Map<string, Query>();

/** Query text with string literals, comments and property names blanked, so only keywords remain. */
function keywordsOnly(sql: string): string {
  return sql
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''")
    .replace(/--[^\n]*/g, ' ')
    .replace(/\.\s*[A-Za-z_][A-Za-z0-9_]*/g, '.p');
}

/** True when the compiled query of this library version has been rewritten to run in linear time. */
export function isLinear(sql: string): boolean {
  return (parse(sql) as unknown as { _code: string })._code.includes('$.push(');
}

function makeLinear(query: Query, code: string): void {
  const linear = linearizeAccumulators(code);
  // The library caches its compiled code in _code; only swap it when the shape is the one we know.
  const internals = query as unknown as { _code: unknown };
  if (linear !== code && internals._code === code) {
    new Function(`"use strict";return (${linear})`); // throws on a bad rewrite, before anything runs
    internals._code = linear;
  }
}

function parse(sql: string): Query {
  const cached = parsedQueries.get(sql);
  if (cached) {
    // Re-insert so the Map's insertion order doubles as least-recently-used order.
    parsedQueries.delete(sql);
    parsedQueries.set(sql, cached);
    return cached;
  }
  const bare = keywordsOnly(sql);
  for (const { clause, pattern } of UNSUPPORTED_CLAUSES) {
    if (pattern.test(bare)) {
      throw invalidStoreRequest(
        `The local store cannot run ${clause} (its Cosmos SQL engine does not support it); ` +
          'rewrite the query, e.g. page with continuation tokens and aggregate per key with SELECT VALUE.',
        'QUERY_UNSUPPORTED',
      );
    }
  }
  let query: Query;
  try {
    query = createQuery(sql);
    // Reading .code compiles the query now, so an error surfaces here and not mid-page.
    makeLinear(query, query.code);
  } catch (error) {
    if (error instanceof CosmosSqlSyntaxError) {
      throw invalidStoreRequest(`Invalid Cosmos SQL: ${error.message}`, 'QUERY_INVALID', error);
    }
    throw error;
  }
  parsedQueries.set(sql, query);
  if (parsedQueries.size > PARSED_QUERY_CACHE_SIZE)
    parsedQueries.delete(parsedQueries.keys().next().value as string);
  return query;
}

const servableCache = new WeakMap<CompositeIndexPath[][], CompositeIndexPath[][]>();

/** Cosmos DB serves an ORDER BY from a composite index in its declared order or its exact reverse; the engine only knows the former. */
function servableOrders(indexes: CompositeIndexPath[][]): CompositeIndexPath[][] {
  const cached = servableCache.get(indexes);
  if (cached) return cached;
  const flip = (order: CompositeIndexPath['order']): CompositeIndexPath['order'] =>
    order === 'ascending' ? 'descending' : 'ascending';
  const servable = [
    ...indexes,
    ...indexes.map((index) => index.map((p) => ({ path: p.path, order: flip(p.order) }))),
  ];
  servableCache.set(indexes, servable);
  return servable;
}

export interface EngineRunOptions {
  parameters: SqlParameter[];
  compositeIndexes: CompositeIndexPath[][];
  /** What the query was scoped to (container, partition); a continuation token only resumes the same scope. */
  scope: string;
  maxItemCount?: number;
  continuationToken?: string;
}

export interface EngineResult {
  items: unknown[];
  continuationToken: string | null;
}

interface TokenPayload {
  v: 1;
  s: string;
  t: string;
}

function scopeHash(sql: string, options: EngineRunOptions): string {
  return createHash('sha256')
    .update(JSON.stringify([sql, options.parameters, options.scope]))
    .digest('base64url')
    .slice(0, 16);
}

function decodeToken(token: string, expectedScope: string): string {
  let payload: Partial<TokenPayload> | undefined;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenPayload>;
  } catch {
    payload = undefined;
  }
  if (!payload || payload.v !== 1 || typeof payload.t !== 'string' || payload.s !== expectedScope) {
    throw invalidStoreRequest(
      'The continuation token is malformed or belongs to a different query.',
      'INVALID_CONTINUATION_TOKEN',
    );
  }
  return payload.t;
}

/** Evaluates a Cosmos SQL query over documents (which must carry unique _rid values), one page at a time. */
export function runCosmosSql(documents: unknown[], sql: string, options: EngineRunOptions): EngineResult {
  const query = parse(sql);
  const scope = scopeHash(sql, options);
  const continuation = options.continuationToken
    ? { token: decodeToken(options.continuationToken, scope) }
    : undefined;
  let output: { result: unknown[]; continuation: { token: string } | null };
  try {
    output = query.exec(documents as object[], {
      parameters: options.parameters,
      compositeIndexes: servableOrders(options.compositeIndexes),
      maxItemCount: options.maxItemCount,
      continuation,
    }) as typeof output;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/composite index/i.test(message)) {
      // Cosmos DB answers 400 for an ORDER BY no composite index serves; so must we, or a missing
      // index would only be found in production.
      throw invalidStoreRequest(message, 'COMPOSITE_INDEX_MISSING', error);
    }
    throw invalidStoreRequest(`The query failed: ${message}`, 'QUERY_FAILED', error);
  }
  const next = output.continuation?.token;
  return {
    items: output.result,
    continuationToken: next
      ? Buffer.from(JSON.stringify({ v: 1, s: scope, t: next } satisfies TokenPayload)).toString('base64url')
      : null,
  };
}
