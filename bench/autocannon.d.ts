// The part of autocannon's programmatic API the benchmarks use (autocannon 9 ships no type declarations,
// and @types/autocannon describes version 7).
declare module 'autocannon' {
  namespace autocannon {
    /** hdr-histogram-percentiles-obj statistics. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }
    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      method?: string;
      headers?: Record<string, string>;
      /** Seconds to wait for one response. */
      timeout?: number;
    }
    interface Result {
      /** Requests per second, sampled every second. */
      requests: Histogram & { sent: number };
      /** Milliseconds. */
      latency: Histogram;
      throughput: Histogram;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
    }
  }
  /** Runs one load test; resolves with its results when no callback is given. */
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
