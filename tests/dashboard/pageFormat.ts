// How the dashboard writes numbers (shared/dashboard/client/dashboard.js formats them in fixed en-US), so
// the tests can say what a figure must read.
const fixed = (digits: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The page's text for each kind of figure. */
export const shown = {
  count: (value: number) => fixed(0).format(value),
  rate: (value: number) => fixed(2).format(value),
  ms: (value: number) => `${fixed(1).format(value)} ms`,
  ru: (value: number) => fixed(2).format(value),
  percent: (ratio: number) => `${fixed(1).format(ratio * 100)} %`,
  usd: (usd: number) =>
    usd >= 1 || usd === 0
      ? `$${fixed(2).format(usd)}`
      : `$${new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 }).format(usd)}`,
  time: (iso: string) =>
    new Date(iso)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
};
