import type { Settings } from '../config/settings';

// Cosmos DB's billing rules the estimates follow (rates are settings, defaults are list prices in USD):
// - serverless: per million RU consumed;
// - provisioned (manual): per 100 RU/s provisioned per hour, at least 400 RU/s, in steps of 100;
// - autoscale: each hour is billed at the highest RU/s the container scaled to in that hour, never less
//   than 10% of the chosen maximum; the maximum goes in steps of 1,000 from 1,000 RU/s.
// Peaks come from per-minute RU totals, so a burst within a minute is averaged over it: the figures are a
// floor for the throughput a workload needs, and the recommendations add headroom for that reason.

const HEADROOM = 1.2;
const HOUR_MS = 3_600_000;

/** RU/s figures of a period from its per-minute RU. */
export interface ThroughputProfile {
  /** Highest per-minute average RU/s. */
  peakRuPerSecond: number;
  peakAt: string | undefined;
  /** Highest per-minute average RU/s within each hour of the period that had any usage. */
  hourlyPeaks: number[];
  /** Hours in the period (fractional). */
  hours: number;
}

/** The estimated cost of the period's RU under each capacity mode. */
export interface CostEstimates {
  serverless: { usd: number; perMillionRu: number };
  provisioned: { ruPerSecond: number; usd: number; per100RuHour: number };
  autoscale: { maxRuPerSecond: number; usd: number; per100RuHour: number };
}

const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;
// Six decimals: a quiet day on serverless costs fractions of a cent, and it should not read as zero.
const usd = (value: number) => Math.round(value * 1_000_000) / 1_000_000;

/** Peaks per minute and per hour from per-minute RU totals (epoch ms of the minute -> RU). */
export function throughputProfile(minuteRu: Map<number, number>, from: Date, to: Date): ThroughputProfile {
  let peak = 0;
  let peakAt: number | undefined;
  const hourly = new Map<number, number>();
  for (const [minute, ru] of minuteRu) {
    if (minute < from.getTime() || minute >= to.getTime()) continue;
    const perSecond = ru / 60;
    if (perSecond > peak) {
      peak = perSecond;
      peakAt = minute;
    }
    const hour = Math.floor(minute / HOUR_MS);
    hourly.set(hour, Math.max(hourly.get(hour) ?? 0, perSecond));
  }
  return {
    peakRuPerSecond: Math.round(peak * 100) / 100,
    peakAt: peakAt === undefined ? undefined : new Date(peakAt).toISOString(),
    hourlyPeaks: [...hourly.values()],
    hours: Math.max(0, (to.getTime() - from.getTime()) / HOUR_MS),
  };
}

/** Provisioned RU/s a workload with this peak needs: 20% headroom, steps of 100, at least 400. */
export function provisionedFor(peakRuPerSecond: number): number {
  return Math.max(400, roundUp(peakRuPerSecond * HEADROOM, 100));
}

/** Autoscale maximum for this peak: 20% headroom, steps of 1,000, at least 1,000. */
export function autoscaleMaxFor(peakRuPerSecond: number): number {
  return Math.max(1000, roundUp(peakRuPerSecond * HEADROOM, 1000));
}

/** What the period's usage costs under serverless, provisioned and autoscale throughput. */
export function costEstimates(
  totalRu: number,
  profile: ThroughputProfile,
  rates: Settings['costRates'],
): CostEstimates {
  const provisioned = provisionedFor(profile.peakRuPerSecond);
  const maxRu = autoscaleMaxFor(profile.peakRuPerSecond);
  const floor = maxRu * 0.1;
  // Hours without usage are billed at the floor; hours with usage at their peak (never below the floor).
  const busyHours = profile.hourlyPeaks.length;
  const idleHours = Math.max(0, profile.hours - busyHours);
  const autoscaleRuHours =
    idleHours * floor +
    profile.hourlyPeaks.reduce((sum, peak) => sum + Math.max(floor, roundUp(peak, 100)), 0);
  return {
    serverless: {
      usd: usd((totalRu / 1_000_000) * rates.serverlessPerMillionRu),
      perMillionRu: rates.serverlessPerMillionRu,
    },
    provisioned: {
      ruPerSecond: provisioned,
      usd: usd((provisioned / 100) * profile.hours * rates.provisionedPer100RuHour),
      per100RuHour: rates.provisionedPer100RuHour,
    },
    autoscale: {
      maxRuPerSecond: maxRu,
      usd: usd((autoscaleRuHours / 100) * rates.autoscalePer100RuHour),
      per100RuHour: rates.autoscalePer100RuHour,
    },
  };
}

/** The throughput recommendation for the account's mode. */
export interface ThroughputAdvice {
  mode: Settings['throughput']['mode'];
  configuredRuPerSecond: number | undefined;
  peakRuPerSecond: number;
  /** Peak as a share of what is provisioned (0..), when known. */
  utilisation: number | undefined;
  recommendedRuPerSecond: number | undefined;
  cheapestMode: 'serverless' | 'provisioned' | 'autoscale';
  text: string;
}

/** Compares consumed RU/s with what is provisioned and recommends a setting (or a mode). */
export function throughputAdvice(
  throughput: Settings['throughput'],
  profile: ThroughputProfile,
  estimates: CostEstimates,
): ThroughputAdvice {
  const modes = [
    ['serverless', estimates.serverless.usd],
    ['provisioned', estimates.provisioned.usd],
    ['autoscale', estimates.autoscale.usd],
  ] as const;
  const cheapestMode = [...modes].sort((a, b) => a[1] - b[1])[0][0];
  const peak = profile.peakRuPerSecond;
  const configured = throughput.ruPerSecond;
  const base = {
    mode: throughput.mode,
    configuredRuPerSecond: configured,
    peakRuPerSecond: peak,
    cheapestMode,
  };
  const cheaper =
    cheapestMode !== throughput.mode
      ? ` At this usage ${cheapestMode} would cost less ($${modes.find((m) => m[0] === cheapestMode)?.[1]} vs $${modes.find((m) => m[0] === throughput.mode)?.[1]} for the period).`
      : '';
  if (throughput.mode === 'serverless') {
    return {
      ...base,
      utilisation: undefined,
      recommendedRuPerSecond: undefined,
      text: `Serverless: billed per RU, nothing to provision; peak ${peak} RU/s.${cheaper}`,
    };
  }
  const recommended = throughput.mode === 'autoscale' ? autoscaleMaxFor(peak) : provisionedFor(peak);
  if (configured === undefined) {
    return {
      ...base,
      utilisation: undefined,
      recommendedRuPerSecond: recommended,
      text: `Peak ${peak} RU/s; recommended ${throughput.mode === 'autoscale' ? 'autoscale maximum' : 'provisioned throughput'} ${recommended} RU/s (set COSMOS_THROUGHPUT_RU to compare with what is provisioned).${cheaper}`,
    };
  }
  const utilisation = Math.round((peak / configured) * 1000) / 1000;
  const what = throughput.mode === 'autoscale' ? 'autoscale maximum' : 'provisioned throughput';
  let verdict: string;
  if (recommended < configured) verdict = `lower the ${what} from ${configured} to ${recommended} RU/s`;
  else if (recommended > configured)
    verdict = `raise the ${what} from ${configured} to ${recommended} RU/s (peaks near or above it are throttled)`;
  else verdict = `keep the ${what} at ${configured} RU/s`;
  const autoscaleNote =
    throughput.mode === 'autoscale' ? ' Autoscale already follows the load within that maximum.' : '';
  return {
    ...base,
    utilisation,
    recommendedRuPerSecond: recommended,
    text: `Peak ${peak} RU/s is ${Math.round(utilisation * 100)}% of ${configured} RU/s: ${verdict}.${autoscaleNote}${cheaper}`,
  };
}
