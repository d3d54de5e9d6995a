// Writes to one item, one after another, within this instance. Optimistic concurrency (ETags) is what keeps
// instances from overwriting each other, but writers inside one instance need not race at all: queued, each
// read-modify-write finds the version the previous one stored, instead of spending a failed conditional
// write (and, on Cosmos DB, its request units) and a random backoff on every collision. Other instances
// still race, and the repository's retry absorbs that.
import type { DocumentStore } from '../data/documentStore';

type Tail = Promise<void>;

// One queue per store object: in tests, two stores on one database stand for two instances.
const queues = new WeakMap<DocumentStore, Map<string, Tail>>();

/**
 * Runs `work` once every earlier write queued for the same key on the same store has settled, and returns
 * its result. The queue of a key is forgotten as soon as it is empty.
 */
export function queueItemWrite<T>(store: DocumentStore, key: string, work: () => Promise<T>): Promise<T> {
  let tails = queues.get(store);
  if (!tails) {
    tails = new Map();
    queues.set(store, tails);
  }
  const previous = tails.get(key);
  const result = previous ? previous.then(work) : work();
  const tail: Tail = result.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  const owner = tails;
  void tail.then(() => {
    if (owner.get(key) === tail) owner.delete(key);
  });
  return result;
}
