import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentStore } from '../../shared/data/documentStore';
import { LocalDocumentStore } from '../../shared/data/local/localDocumentStore';
import { UserItemRepository } from '../../shared/repositories/userItemRepository';

// A PATCH without If-Match must never answer 412: the client did not ask for a condition. With writes
// that take as long as a network round trip, 50 writers on one item collide again and again; the
// repository must absorb that. The local store answers in microseconds, so its replace is slowed here to
// what a remote store takes (the contention cannot be provoked otherwise in one process).

test('50 concurrent unconditional updates of one item all succeed and none is lost, with 2 ms writes', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-contention-'));
  const local = new LocalDocumentStore({ dataDir, sync: 'normal' });
  await local.initialize();
  const slow = new Proxy(local, {
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
  try {
    const repository = new UserItemRepository<{ id: string; userId: string; marks: string[] }>(
      slow,
      'tasks',
      'Task',
    );
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
  } finally {
    await local.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
