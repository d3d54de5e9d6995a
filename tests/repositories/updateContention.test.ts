import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { isAppError } from '../../shared/errors/appError';
import { UserItemRepository } from '../../shared/repositories/userItemRepository';

// A PATCH without If-Match must never answer 412: the client did not ask for a condition. With writes
// that take as long as a network round trip, writers on one item would collide again and again; within an
// instance they queue, and across instances the repository retries. The local store answers in
// microseconds, so its replace is slowed here to what a remote store takes.

// The local store slowed down: every replace waits 2 ms first.
function slowReplaces(local: LocalDocumentStore): DocumentStore {
  return new Proxy(local, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'replace') {
        return async (...args: Parameters<DocumentStore['replace']>) => {
          await new Promise((r) => setTimeout(r, 2));
          return target.replace(...args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

type Marked = { id: string; userId: string; marks: string[] };

test('50 concurrent unconditional updates of one item all succeed and none is lost, with 2 ms writes', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-contention-'));
  const local = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await local.initialize();
  let replaces = 0;
  const counted = new Proxy(slowReplaces(local), {
    get(target, property, receiver) {
      if (property === 'replace') replaces += 1;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  try {
    const repository = new UserItemRepository<Marked>(counted, 'tasks', 'Task');
    await repository.create({ id: 'hot', userId: 'u', marks: [] });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        repository.update('u', 'hot', (current) => ({ ...current, marks: [...current.marks, `w${i}`] })),
      ),
    );
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toEqual([]);
    const stored = await repository.get('u', 'hot');
    expect([...stored.marks].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `w${i}`).sort());
    // Within one instance the writers queue instead of racing: no conditional write is wasted.
    expect(replaces).toBe(50);
  } finally {
    await local.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('unconditional updates from two instances of one item race, retry, and none is lost', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-contention-'));
  // Two stores on one database stand for two instances: each queues its own writers, and the two race. The
  // first replace of each is held until both have arrived, so the two are certain to write over one version.
  const first = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await first.initialize();
  const second = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await second.initialize();
  const held: (() => void)[] = [];
  let refusals = 0;
  const instance = (local: LocalDocumentStore): DocumentStore => {
    const slow = slowReplaces(local);
    let firstWrite = true;
    return new Proxy(slow, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'replace') return value;
        return async (...args: Parameters<DocumentStore['replace']>) => {
          if (firstWrite) {
            firstWrite = false;
            await new Promise<void>((release) => {
              held.push(release);
              if (held.length === 2) for (const go of held) go();
            });
          }
          try {
            return await target.replace(...args);
          } catch (error) {
            if (isAppError(error, 'PRECONDITION_FAILED')) refusals += 1;
            throw error;
          }
        };
      },
    });
  };
  try {
    const repositories = [first, second].map(
      (store) => new UserItemRepository<Marked>(instance(store), 'tasks', 'Task'),
    );
    await repositories[0].create({ id: 'hot', userId: 'u', marks: [] });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        repositories[i % 2].update('u', 'hot', (current) => ({
          ...current,
          marks: [...current.marks, `w${i}`],
        })),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const stored = await repositories[1].get('u', 'hot');
    expect([...stored.marks].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `w${i}`).sort());
    // The forced collision was refused and retried: the retry path ran, it was not luck.
    expect(refusals).toBeGreaterThanOrEqual(1);
  } finally {
    await first.dispose();
    await second.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
