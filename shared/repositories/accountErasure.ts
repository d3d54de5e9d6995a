import { listContainers, type ContainerDefinition } from '../data/catalogue';
import type { DocumentStore } from '../data/documentStore';
import { UserItemRepository, type UserItem } from './userItemRepository';
import { PROFILE_CONTAINER } from './userRepository';

// A container holds user data exactly when it is partitioned by the user: that is the rule the catalogue
// follows (infra/containers.json), so a container added there later is erased without touching this file.
const USER_PARTITION_KEY = '/userId';

/**
 * The containers that hold users' data, in the order erasure empties them:
 * - the profile container last: while anything of the user is left, their profile is still there, so the
 *   client (GET /me answers 200) and anyone else can see that the erasure is not finished and repeat it;
 * - the others in reverse catalogue order: a container may refer to one listed before it (tasks name a
 *   project), never to a later one, so emptying later ones first means an interruption never leaves an
 *   item pointing at one that is already gone.
 */
export function userDataContainers(): ContainerDefinition[] {
  const userData = listContainers().filter(
    (c) => c.partitionKey.paths.length === 1 && c.partitionKey.paths[0] === USER_PARTITION_KEY,
  );
  const profile = userData.filter((c) => c.name === PROFILE_CONTAINER);
  const others = userData.filter((c) => c.name !== PROFILE_CONTAINER).reverse();
  return [...others, ...profile];
}

/** How many documents an erasure deleted, per container. */
export type ErasureReport = Record<string, number>;

/**
 * Deletes every document of the user in every user-data container. Safe to interrupt at any point and to
 * repeat: each run finds what is left by querying every container (ids, then transactional batches of
 * deletes), so it never depends on a marker or a list that an earlier, interrupted run might have removed.
 */
export async function eraseUserData(store: DocumentStore, userId: string): Promise<ErasureReport> {
  const report: ErasureReport = {};
  for (const container of userDataContainers()) {
    const repository = new UserItemRepository<UserItem>(store, container.name, container.name);
    const ids = await repository.ids(userId);
    report[container.name] = ids.length === 0 ? 0 : await repository.deleteMany(userId, ids);
  }
  return report;
}

/** True when any user-data container still holds a document of the user. */
export async function hasUserData(store: DocumentStore, userId: string): Promise<boolean> {
  for (const container of userDataContainers()) {
    const count = await store.query<number>(
      container.name,
      {
        // c.userId in the text as well: a partition-scoped query must not rely on the partition key alone.
        query: 'SELECT VALUE COUNT(1) FROM c WHERE c.userId = @userId',
        parameters: [{ name: '@userId', value: userId }],
      },
      { partitionKey: userId },
    );
    if ((count.items[0] ?? 0) > 0) return true;
  }
  return false;
}
