/**
 * The newest `capacity` entries of a history (breaker transitions, health checks), in a fixed ring: adding
 * past the capacity overwrites the oldest, so memory stays at `capacity` entries however long the process
 * lives.
 */
export class BoundedHistory<T> {
  private readonly ring: (T | undefined)[];
  private next = 0;
  private held = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<T | undefined>(capacity);
  }

  /** Adds the newest entry (dropping the oldest when full). */
  push(entry: T): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.held < this.capacity) this.held += 1;
  }

  /** The newest entry, if any. */
  latest(): T | undefined {
    return this.held === 0 ? undefined : this.ring[(this.next - 1 + this.capacity) % this.capacity];
  }

  /** The entries held, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const oldest = (this.next - this.held + this.capacity) % this.capacity;
    for (let i = 0; i < this.held; i += 1) out.push(this.ring[(oldest + i) % this.capacity] as T);
    return out;
  }

  /** How many entries are held (at most capacity). */
  get size(): number {
    return this.held;
  }
}
