/** Median with the range of several runs. */
export interface Figure {
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Runs `measure` once to warm up, then `runs` times; returns the figures of the measured runs. */
export async function repeat(runs: number, measure: (run: number) => Promise<number>): Promise<Figure> {
  await measure(-1);
  const values: number[] = [];
  for (let run = 0; run < runs; run++) values.push(await measure(run));
  return summarize(values);
}

export function formatFigure(figure: Figure, unit = ''): string {
  const fmt = (value: number) =>
    value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
  return `${fmt(figure.median)}${unit} (${fmt(figure.min)}–${fmt(figure.max)})`;
}
