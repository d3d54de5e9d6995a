import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import {
  invalidJson,
  payloadTooLarge,
  unsupportedMediaType,
  validationFailed,
} from '../errors/requestErrors';
import { fieldErrorsOf } from './fieldErrors';

/** The API's request body limit (contract: 1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

function isJsonContentType(header: string | null): boolean {
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  return JSON_TYPES.includes(type) || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Reads the body as JSON: 415 unless declared JSON, 413 over 1 MiB, 400 when it does not parse. */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  if (!isJsonContentType(request.headers.get('content-type'))) throw unsupportedMediaType(JSON_TYPES);
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw invalidJson();
  }
}

/** Validates a value against a schema; 400 VALIDATION_FAILED with one entry per failing field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(fieldErrorsOf(result.error));
  return result.data;
}
