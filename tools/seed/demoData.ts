// Demo data for one user, built with the app's own document builders and checked against the app's read
// schemas, so a seeded document cannot be told apart from one the API created. Each user draws from a
// random stream of its own (seed, user number): adding users never changes the ones seeded before.
import { FITNESS_TYPES, FitnessEntry, fitnessDocument, type FitnessType } from '../../shared/models/fitness';
import { Project } from '../../shared/models/project';
import {
  Task,
  TASK_STATUSES,
  taskDocument,
  taskView,
  type TaskDocument,
  type TaskStatus,
} from '../../shared/models/task';
import { UserProfile } from '../../shared/models/user';
import { hashSeed, Random } from './random';
import {
  ACTIVITIES,
  FIRST_NAMES,
  FITNESS_NOTES,
  GENERAL_TAGS,
  LAST_NAMES,
  LOOSE_TASKS,
  PROJECT_THEMES,
  TASK_NOTES,
  TIME_ZONES,
} from './vocabulary';

/** Every document of one demo user, by container. */
export interface DemoUser {
  userId: string;
  profile: UserProfile;
  projects: Project[];
  tasks: TaskDocument[];
  fitness: FitnessEntry[];
}

/** How many days of fitness history a user gets, ending yesterday. */
export const FITNESS_DAYS = 90;

const DAY_MS = 86_400_000;

/** The recognisable id of the n-th demo user (1-based): demo-user-001. */
export function demoUserId(n: number): string {
  return `demo-user-${String(n).padStart(3, '0')}`;
}

/** An item id fixed by (seed, user, kind, n), so a second run with the same seed addresses the same documents. */
function itemId(seed: number, user: number, kind: string, n: number): string {
  return `demo-s${seed}-u${String(user).padStart(3, '0')}-${kind}-${String(n).padStart(3, '0')}`;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A time between two instants (ms), rounded to the second. */
function between(random: Random, fromMs: number, toMs: number): number {
  return Math.floor((fromMs + random.next() * Math.max(0, toMs - fromMs)) / 1000) * 1000;
}

// The read schemas are what the API answers with; a seeded document that failed them would be a bug in the
// generator (or a model changed under it), so it stops the seed before anything is written.
function checked<T>(schema: { parse(value: unknown): unknown }, document: T, view: unknown = document): T {
  schema.parse(view);
  return document;
}

/**
 * The demo documents of user number `n` (1-based) for a seed, as of `today` (YYYY-MM-DD): a profile,
 * 3-6 projects, 15-40 tasks (due dates past and future, some done) and ~90 days of fitness history.
 */
export function generateDemoUser(seed: number, n: number, today: string): DemoUser {
  const random = new Random(hashSeed('lifetracker-demo', seed, n));
  const userId = demoUserId(n);
  const todayMs = Date.parse(`${today}T00:00:00.000Z`);
  // The history ends just before the anchor day starts: never in the future, and the same on every run of
  // that day (the real clock would make every run's timestamps differ).
  const nowMs = todayMs - 1000;

  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const joinedMs = between(random, todayMs - 200 * DAY_MS, todayMs - 120 * DAY_MS);
  const profileUpdatedMs = random.chance(0.5) ? joinedMs : between(random, joinedMs, nowMs);
  const profile = checked(UserProfile, {
    id: userId,
    userId,
    displayName: `${first} ${last}`,
    ...(random.chance(0.85) ? { email: `${first}.${last}@example.com`.toLowerCase() } : {}),
    timezone: random.pick(TIME_ZONES),
    createdAt: new Date(joinedMs).toISOString(),
    updatedAt: new Date(profileUpdatedMs).toISOString(),
  });

  const themes = random.sample(PROJECT_THEMES, random.int(3, 6));
  const projects = themes.map((theme, i) => {
    const createdMs = between(random, joinedMs, todayMs - 30 * DAY_MS);
    return checked(Project, {
      id: itemId(seed, n, 'project', i + 1),
      userId,
      name: theme.name,
      // The first project is always in use; older ones are sometimes done with.
      archived: i > 0 && random.chance(0.15),
      ...(theme.description && random.chance(0.8) ? { description: theme.description } : {}),
      ...(random.chance(0.9) ? { color: theme.color } : {}),
      createdAt: new Date(createdMs).toISOString(),
      updatedAt: new Date(between(random, createdMs, nowMs)).toISOString(),
    });
  });

  const unusedTitles = new Map(themes.map((theme, i) => [i, random.shuffle(theme.tasks)]));
  let looseTitles: string[] = random.shuffle(LOOSE_TASKS);
  const tasks: TaskDocument[] = [];
  const taskCount = random.int(15, 40);
  for (let t = 1; t <= taskCount; t++) {
    let projectIndex: number | undefined = random.chance(0.75) ? random.int(0, themes.length - 1) : undefined;
    let title = projectIndex === undefined ? undefined : unusedTitles.get(projectIndex)?.pop();
    if (title === undefined) {
      projectIndex = undefined;
      if (looseTitles.length === 0) looseTitles = random.shuffle(LOOSE_TASKS).map((x) => `${x} (again)`);
      title = looseTitles.pop() as string;
    }
    const project = projectIndex === undefined ? undefined : projects[projectIndex];
    const status = random.weighted<TaskStatus>([
      [TASK_STATUSES[0], 45],
      [TASK_STATUSES[1], 20],
      [TASK_STATUSES[2], 35],
    ]);
    const createdMs = between(random, Date.parse(project?.createdAt ?? profile.createdAt), nowMs - DAY_MS);
    const updatedMs = between(random, createdMs, nowMs);
    const dueDate = random.chance(0.7)
      ? isoDate(
          status === 'done' ? todayMs - random.int(1, 60) * DAY_MS : todayMs + random.int(-20, 60) * DAY_MS,
        )
      : undefined;
    const theme = projectIndex === undefined ? undefined : themes[projectIndex];
    const tags = random
      .sample(
        [...(theme?.tags ?? []), ...GENERAL_TAGS],
        random.weighted([
          [0, 25],
          [1, 40],
          [2, 25],
          [3, 10],
        ]),
      )
      .sort();
    const document = taskDocument(
      { id: itemId(seed, n, 'task', t), userId, createdAt: new Date(createdMs).toISOString() },
      {
        title,
        status,
        priority: random.weighted([
          [1, 10],
          [2, 20],
          [3, 35],
          [4, 22],
          [5, 13],
        ]),
        tags,
        ...(project ? { projectId: project.id } : {}),
        ...(random.chance(0.25) ? { notes: random.pick(TASK_NOTES) } : {}),
        ...(dueDate ? { dueDate } : {}),
      },
      // The last change: for a done task also when it was completed (taskDocument sets completedAt).
      new Date(updatedMs).toISOString(),
    );
    tasks.push(checked(Task, document, taskView(document)));
  }

  const favourites = random.sample(FITNESS_TYPES.slice(0, 6), random.int(2, 3));
  const fitness: FitnessEntry[] = [];
  for (let daysAgo = FITNESS_DAYS; daysAgo >= 1; daysAgo--) {
    const sessions = random.chance(0.55) ? (random.chance(0.12) ? 2 : 1) : 0;
    for (let s = 0; s < sessions; s++) {
      const type: FitnessType = random.chance(0.9) ? random.pick(favourites) : 'other';
      const activity = ACTIVITIES[type];
      const minutes = random.int(activity.minutes[0], activity.minutes[1]);
      const dayMs = todayMs - daysAgo * DAY_MS;
      const loggedMs = dayMs + random.int(6 * 60, 21 * 60) * 60_000;
      const pace = activity.minutesPerKm;
      const notes = FITNESS_NOTES[type];
      const entry = fitnessDocument(
        {
          id: itemId(seed, n, 'fitness', fitness.length + 1),
          userId,
          createdAt: new Date(loggedMs).toISOString(),
        },
        {
          type,
          date: isoDate(dayMs),
          durationMinutes: minutes,
          ...(random.chance(0.9)
            ? { calories: Math.round(minutes * activity.caloriesPerMinute * (0.85 + random.next() * 0.3)) }
            : {}),
          ...(pace
            ? {
                distanceKm:
                  Math.round((minutes / (pace[0] + random.next() * (pace[1] - pace[0]))) * 100) / 100,
              }
            : {}),
          ...(random.chance(0.7)
            ? { heartRateAvg: random.int(activity.heartRate[0], activity.heartRate[1]) }
            : {}),
          ...(notes && random.chance(0.2) ? { notes: random.pick(notes) } : {}),
        },
        // Never edited after it was logged: updatedAt equals createdAt, as for an entry created by the API.
        new Date(loggedMs).toISOString(),
      );
      fitness.push(checked(FitnessEntry, entry));
    }
  }

  return { userId, profile, projects, tasks, fitness };
}
