import type { DocumentStore } from '../data/documentStore';
import type { Project } from '../models/project';
import { UserItemRepository } from './userItemRepository';

/** Projects, and the rule that a project's tasks go with it. */
export class ProjectRepository extends UserItemRepository<Project> {
  private readonly tasks: UserItemRepository<{ id: string; userId: string }>;

  constructor(store: DocumentStore) {
    super(store, 'projects', 'Project');
    this.tasks = new UserItemRepository(store, 'tasks', 'Task');
  }

  /** True when the user has a project with this id. */
  async exists(userId: string, id: string): Promise<boolean> {
    return (await this.find(userId, id)) !== undefined;
  }

  /**
   * Deletes a project and its tasks. The If-Match check comes first, so a stale delete changes nothing;
   * tasks go before the project, so an interrupted delete leaves the project in place to delete again
   * and never leaves tasks pointing at a project that is gone.
   */
  async deleteWithTasks(userId: string, id: string, ifMatch?: string): Promise<void> {
    const project = await this.get(userId, id);
    if (ifMatch !== undefined && project._etag !== ifMatch) throw this.changed(id);
    const taskIds = await this.tasks.ids(
      userId,
      ['c.projectId = @projectId'],
      [{ name: '@projectId', value: id }],
    );
    await this.tasks.deleteMany(userId, taskIds);
    await this.delete(userId, id, ifMatch);
  }
}
