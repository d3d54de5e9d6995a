import type { JsonValue, PatchOperation } from '../documentStore';
import { MAX_PATCH_OPERATIONS } from '../documentRules';
import { invalidStoreRequest } from '../../errors/storeErrors';

type Container = Record<string, unknown> | unknown[];

function parsePointer(path: string): string[] {
  if (!path.startsWith('/') || path === '/') {
    throw invalidStoreRequest(
      `Patch path '${path}' must be a JSON Pointer such as /status.`,
      'INVALID_PATCH',
    );
  }
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

function arrayIndex(array: unknown[], segment: string, allowEnd: boolean, path: string): number {
  if (allowEnd && segment === '-') return array.length;
  const index = /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : NaN;
  const limit = allowEnd ? array.length : array.length - 1;
  if (!Number.isInteger(index) || index > limit) {
    throw invalidStoreRequest(`Patch path '${path}' is not a valid array index.`, 'INVALID_PATCH');
  }
  return index;
}

function parentOf(root: Record<string, unknown>, segments: string[], path: string): Container {
  let node: unknown = root;
  for (const segment of segments.slice(0, -1)) {
    node = Array.isArray(node)
      ? node[arrayIndex(node, segment, false, path)]
      : isContainer(node)
        ? (node as Record<string, unknown>)[segment]
        : undefined;
    if (!isContainer(node)) {
      throw invalidStoreRequest(`Patch path '${path}' does not exist in the document.`, 'INVALID_PATCH');
    }
  }
  return node as Container;
}

function applyOne(root: Record<string, unknown>, operation: PatchOperation): void {
  const segments = parsePointer(operation.path);
  const parent = parentOf(root, segments, operation.path);
  const last = segments[segments.length - 1];
  const exists = Array.isArray(parent)
    ? /^\d+$/.test(last) && Number(last) < parent.length
    : Object.hasOwn(parent, last);
  const missing = (): never => {
    throw invalidStoreRequest(
      `Patch path '${operation.path}' does not exist in the document.`,
      'INVALID_PATCH',
    );
  };
  const clone = (value: JsonValue): JsonValue => structuredClone(value);

  switch (operation.op) {
    case 'add':
      if (Array.isArray(parent))
        parent.splice(arrayIndex(parent, last, true, operation.path), 0, clone(operation.value));
      else parent[last] = clone(operation.value);
      return;
    case 'set':
      if (Array.isArray(parent)) {
        const index = arrayIndex(parent, last, true, operation.path);
        parent[index] = clone(operation.value);
      } else parent[last] = clone(operation.value);
      return;
    case 'replace':
      if (!exists) missing();
      if (Array.isArray(parent)) parent[Number(last)] = clone(operation.value);
      else parent[last] = clone(operation.value);
      return;
    case 'remove':
      if (!exists) missing();
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      return;
    case 'incr': {
      if (typeof operation.value !== 'number' || !Number.isFinite(operation.value)) {
        throw invalidStoreRequest(
          `Patch incr on '${operation.path}' needs a finite number.`,
          'INVALID_PATCH',
        );
      }
      const current: unknown = Array.isArray(parent) ? parent[Number(last)] : parent[last];
      if (current !== undefined && typeof current !== 'number') {
        throw invalidStoreRequest(`Patch incr target '${operation.path}' is not a number.`, 'INVALID_PATCH');
      }
      const next = (current ?? 0) + operation.value;
      if (Array.isArray(parent)) parent[arrayIndex(parent, last, false, operation.path)] = next;
      else parent[last] = next;
      return;
    }
    default:
      throw invalidStoreRequest(
        `Unknown patch operation '${(operation as { op: string }).op}'.`,
        'INVALID_PATCH',
      );
  }
}

/** Applies Cosmos-style patch operations to a copy of the document; the input is never modified. */
export function patchDocument<T extends Record<string, unknown>>(
  document: T,
  operations: PatchOperation[],
  protectedPaths: string[],
): T {
  if (operations.length === 0 || operations.length > MAX_PATCH_OPERATIONS) {
    throw invalidStoreRequest(`A patch takes 1 to ${MAX_PATCH_OPERATIONS} operations.`, 'INVALID_PATCH');
  }
  for (const operation of operations) {
    if (protectedPaths.includes(operation.path) || operation.path.startsWith('/_')) {
      throw invalidStoreRequest(`Patch path '${operation.path}' cannot be changed.`, 'INVALID_PATCH');
    }
  }
  const copy = structuredClone(document) as Record<string, unknown>;
  for (const operation of operations) applyOne(copy, operation);
  return copy as T;
}
