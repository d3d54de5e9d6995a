import type { DocumentStore, StoredDocument } from '../data/documentStore';
import type { TaskDocument, TaskStatus } from '../models/task';
import { conditionsOf, orderByWithId, type SortOrder } from './queryFilters';
import { UserItemRepository, type Page } from './userItemRepository';

/** What a task list can be sorted by (each has a composite index [property, id]). */
export const TASK_SORTS = ['dueDate', 'priority', 'createdAt'] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

/** The filters of a task list; each one left undefined does not filter. */
export interface TaskListFilter {
  status?: TaskStatus;
  projectId?: string;
  priority?: number;
  /** Tasks due strictly before this date; tasks without a due date never match. */
  dueBefore?: string;
}

// Each sort maps to a property with a composite index [property, id] in infra/containers.json. The map,
// not the caller's text, names the property that goes into the query.
const SORT_PROPERTIES: Record<TaskSort, string> = {
  dueDate: 'dueDate',
  priority: 'priority',
  createdAt: 'createdAt',
};

/** The user's tasks. */
export class TaskRepository extends UserItemRepository<TaskDocument> {
  constructor(store: DocumentStore) {
    super(store, 'tasks', 'Task');
  }

  /** One page of the user's tasks matching the filter, sorted with id as the tie-breaker. */
  list(
    userId: string,
    filter: TaskListFilter,
    sort: { by: TaskSort; order: SortOrder },
    limit: number,
    continuationToken: string | undefined,
  ): Promise<Page<StoredDocument<TaskDocument>>> {
    const { where, parameters } = conditionsOf([
      { clause: 'c.status = @status', parameter: '@status', value: filter.status },
      { clause: 'c.projectId = @projectId', parameter: '@projectId', value: filter.projectId },
      { clause: 'c.priority = @priority', parameter: '@priority', value: filter.priority },
      // A null dueDate compares as undefined with a string in Cosmos SQL, so undated tasks drop out.
      { clause: 'c.dueDate < @dueBefore', parameter: '@dueBefore', value: filter.dueBefore },
    ]);
    return this.page(
      userId,
      { where, parameters, orderBy: orderByWithId(SORT_PROPERTIES[sort.by], sort.order) },
      limit,
      continuationToken,
    );
  }
}
