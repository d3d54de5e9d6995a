import type { DocumentStore, SqlParameter, StoredDocument } from '../data/documentStore';
import { MAX_BATCH_OPERATIONS } from '../data/documentStore';
import { queueItemWrite } from './itemWriteQueue';
import { AppError, isAppError } from '../errors/appError';
import { itemNotFound } from '../errors/requestErrors';

/** Fields every user-owned document has. */
export interface UserItem {
  id: string;
  userId: string;
  [key: string]: unknown;
}

export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

// Updates of one item run one after another within an instance (itemWriteQueue.ts). A read-modify-write
// without If-Match from the client retries when a writer of another instance got in between, so the
// client's change is applied to the newest version instead of failing with a 412 it never asked for.
// Writers that collided once would collide again if they all retried at once, so each waits a random,
// growing moment first (full jitter).
const UPDATE_ATTEMPTS = 12;
const RACE_BACKOFF_BASE_MS = 2;
const RACE_BACKOFF_CAP_MS = 100;

function raceBackoff(attempt: number): Promise<void> {
  const ceiling = Math.min(RACE_BACKOFF_CAP_MS, RACE_BACKOFF_BASE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * The documents of one container that belong to users (partition key /userId). Every call is scoped to
 * one user's partition, and every query also filters on c.userId, so no path can reach another user's data.
 */
export class UserItemRepository<T extends UserItem> {
  constructor(
    protected readonly store: DocumentStore,
    readonly container: string,
    /** What the API calls one item ("Project"), for error messages. */
    readonly kind: string,
  ) {}

  /** The user's item, or undefined. */
  async find(userId: string, id: string): Promise<StoredDocument<T> | undefined> {
    return (await this.store.read<T>(this.container, id, userId)).resource;
  }

  /** The user's item; 404 when the user has no such item (whoever else might). */
  async get(userId: string, id: string): Promise<StoredDocument<T>> {
    const item = await this.find(userId, id);
    if (!item) throw itemNotFound(this.kind, id);
    return item;
  }

  /** Creates the item; 409 CONFLICT when the user already has one with this id. */
  async create(item: T): Promise<StoredDocument<T>> {
    try {
      return (await this.store.create(this.container, item)).resource;
    } catch (error) {
      if (isAppError(error, 'CONFLICT')) {
        throw new AppError(`${this.kind} '${item.id}' already exists.`, {
          code: 'CONFLICT',
          category: 'CONFLICT',
          status: 409,
        });
      }
      throw error;
    }
  }

  /**
   * Applies `change` to the current version and stores the result. With ifMatch, only that version may be
   * changed (412 otherwise); without it, a concurrent write is retried on the newer version.
   */
  async update(
    userId: string,
    id: string,
    change: (current: StoredDocument<T>) => T,
    ifMatch?: string,
  ): Promise<StoredDocument<T>> {
    const key = `${this.container}\u0000${userId}\u0000${id}`;
    return queueItemWrite(this.store, key, () => this.readModifyWrite(userId, id, change, ifMatch));
  }

  private async readModifyWrite(
    userId: string,
    id: string,
    change: (current: StoredDocument<T>) => T,
    ifMatch: string | undefined,
  ): Promise<StoredDocument<T>> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(userId, id);
      if (ifMatch !== undefined && current._etag !== ifMatch) throw this.changed(id);
      try {
        return (await this.store.replace(this.container, change(current), { ifMatch: current._etag }))
          .resource;
      } catch (error) {
        if (isAppError(error, 'NOT_FOUND')) throw itemNotFound(this.kind, id);
        const raced = isAppError(error, 'PRECONDITION_FAILED');
        if (!raced || ifMatch !== undefined || attempt >= UPDATE_ATTEMPTS)
          throw raced ? this.changed(id) : error;
        await raceBackoff(attempt);
      }
    }
  }

  /** Deletes the item; 404 when absent, 412 when ifMatch names another version. */
  async delete(userId: string, id: string, ifMatch?: string): Promise<void> {
    try {
      await this.store.delete(this.container, id, userId, { ifMatch });
    } catch (error) {
      if (isAppError(error, 'NOT_FOUND')) throw itemNotFound(this.kind, id);
      if (isAppError(error, 'PRECONDITION_FAILED')) throw this.changed(id);
      throw error;
    }
  }

  /**
   * One page of a query over the user's partition. `where` is appended to "c.userId = @userId" and must
   * use parameters for every value; `orderBy` must come from a fixed list, never from request text.
   */
  async page(
    userId: string,
    filter: { where?: string[]; parameters?: SqlParameter[]; orderBy?: string },
    limit: number,
    continuationToken: string | undefined,
  ): Promise<Page<StoredDocument<T>>> {
    const clauses = ['c.userId = @userId', ...(filter.where ?? [])];
    const query = `SELECT * FROM c WHERE ${clauses.join(' AND ')}${filter.orderBy ? ` ORDER BY ${filter.orderBy}` : ''}`;
    const page = await this.store.query<StoredDocument<T>>(
      this.container,
      { query, parameters: [{ name: '@userId', value: userId }, ...(filter.parameters ?? [])] },
      { partitionKey: userId, maxItemCount: limit, continuationToken },
    );
    return { items: page.items, continuationToken: page.continuationToken };
  }

  /** The ids of every item of the user matching `where` (all pages). */
  async ids(userId: string, where: string[] = [], parameters: SqlParameter[] = []): Promise<string[]> {
    const clauses = ['c.userId = @userId', ...where];
    const page = await this.store.query<string>(
      this.container,
      {
        query: `SELECT VALUE c.id FROM c WHERE ${clauses.join(' AND ')}`,
        parameters: [{ name: '@userId', value: userId }, ...parameters],
      },
      { partitionKey: userId },
    );
    return page.items;
  }

  /** Deletes the given items of the user in transactional batches of up to 100; already-gone ids are fine. */
  async deleteMany(userId: string, ids: string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < ids.length; start += MAX_BATCH_OPERATIONS) {
      const chunk = ids.slice(start, start + MAX_BATCH_OPERATIONS);
      const response = await this.store.batch(
        this.container,
        userId,
        chunk.map((id) => ({ operationType: 'Delete' as const, id })),
      );
      if (response.succeeded) {
        deleted += chunk.length;
        continue;
      }
      // A batch fails whole when one id has gone meanwhile (404); delete the rest one by one.
      for (const id of chunk) {
        try {
          await this.store.delete(this.container, id, userId);
          deleted += 1;
        } catch (error) {
          if (!isAppError(error, 'NOT_FOUND')) throw error;
        }
      }
    }
    return deleted;
  }

  /** 412 for an item that has moved on from the version the client named. */
  protected changed(id: string): AppError {
    return new AppError(`${this.kind} '${id}' has changed since you read it (If-Match did not match).`, {
      code: 'PRECONDITION_FAILED',
      category: 'CONFLICT',
      status: 412,
    });
  }
}

/** The item without store-maintained system fields, as the API returns it. */
export function publicView<T extends object>(
  stored: T,
): Omit<T, '_etag' | '_ts' | '_rid' | '_self' | '_attachments'> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) if (!key.startsWith('_')) copy[key] = value;
  return copy as Omit<T, '_etag' | '_ts' | '_rid' | '_self' | '_attachments'>;
}
