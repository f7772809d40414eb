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

/**
 * `repeat` for two measures compared with each other (AuditKit and its baseline): each is warmed
 * up once, then their runs alternate, each going first in every other run, so that a slow minute
 * of a shared machine falls on both alike rather than on whichever ran through it.
 */
export async function repeatAlternating(
  runs: number,
  first: (run: number) => Promise<number>,
  second: (run: number) => Promise<number>,
): Promise<[Figure, Figure]> {
  await first(-1);
  await second(-1);
  const values: [number[], number[]] = [[], []];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      values[0].push(await first(run));
      values[1].push(await second(run));
    } else {
      values[1].push(await second(run));
      values[0].push(await first(run));
    }
  }
  return [summarize(values[0]), summarize(values[1])];
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
