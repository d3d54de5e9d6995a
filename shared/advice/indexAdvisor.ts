import { getContainer } from '../data/catalogue';
import type { IndexMetrics } from '../data/documentStore';
import { queryPlanAdvice } from './queryPlanAdvice';
import type { ShapeAdvice } from './shapeAdvice';

/**
 * Keeps the latest index advice per (container, query shape), at most maxShapes of them, and decides
 * when a shape is due to be sampled again: Cosmos DB's index metrics cost extra RU and latency, so a
 * shape is sampled once per interval, not on every call.
 */
export class IndexAdvisor {
  private readonly advice = new Map<string, ShapeAdvice>();
  private readonly lastSampled = new Map<string, number>();

  constructor(
    private readonly maxShapes: number,
    private readonly sampleIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True (once per interval per shape) when this call should be sampled; claims the sample. */
  claimSample(container: string, shape: string): boolean {
    if (this.sampleIntervalMs <= 0) return false;
    const key = `${container}\u0000${shape}`;
    const last = this.lastSampled.get(key);
    const at = this.now();
    if (last !== undefined && at - last < this.sampleIntervalMs) return false;
    if (last === undefined && this.lastSampled.size >= this.maxShapes) return false;
    this.lastSampled.set(key, at);
    return true;
  }

  /** Records what Cosmos DB said about a query shape's index use. */
  recordIndexMetrics(
    container: string,
    shape: string,
    metrics: IndexMetrics,
    partitionScoped: boolean,
  ): void {
    const notes = partitionScoped ? [] : ['Cross-partition: Cosmos DB runs it on every physical partition.'];
    this.store({
      container,
      shape,
      source: 'cosmos-index-metrics',
      sampledAt: new Date(this.now()).toISOString(),
      utilized: metrics.utilized,
      potential: metrics.potential,
      partitionScoped,
      notes,
    });
  }

  /** Works out advice for a query shape from its text and the catalogue (local store). */
  recordQueryPlan(container: string, shape: string, queryText: string, partitionScoped: boolean): void {
    let definition;
    try {
      definition = getContainer(container);
    } catch {
      return;
    }
    this.store(queryPlanAdvice(definition, shape, queryText, partitionScoped, new Date(this.now())));
  }

  /** Every piece of advice held, most recent sample first. */
  all(): ShapeAdvice[] {
    return [...this.advice.values()].sort((a, b) => b.sampledAt.localeCompare(a.sampledAt));
  }

  private store(advice: ShapeAdvice): void {
    const key = `${advice.container}\u0000${advice.shape}`;
    if (!this.advice.has(key) && this.advice.size >= this.maxShapes) return;
    this.advice.set(key, advice);
  }
}
