import cliProgress from 'cli-progress';

/** Reports the progress of long work (rows done) on stderr. */
export interface Progress {
  /** The rows done so far (a running total). */
  update(rowsDone: number): void;
  /** Stops the display and prints the closing line. */
  finish(summary: string): void;
}

/** Where progress goes: stderr, a terminal or not. */
export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** What is being done, e.g. `export`. */
  label: string;
  /** Rows expected in all, when known: adds a bar, a percentage and an ETA. */
  total?: number;
  /** Seconds between plain lines when stderr is not a terminal. Default 5. */
  intervalSeconds?: number;
  /** Print nothing at all (`--quiet`). */
  quiet?: boolean;
}

/**
 * A progress display on stderr: a live bar (rows, rows/s, ETA) on a terminal, plain periodic
 * lines without control characters otherwise (logs and CI), nothing with `quiet`.
 *
 * @example
 * ```ts
 * const progress = startProgress(process.stderr, { label: 'export', total: 10_000 });
 * progress.update(5_000);
 * progress.finish('exported 10000 rows');
 * ```
 */
export function startProgress(target: ProgressTarget, options: ProgressOptions): Progress {
  if (options.quiet) return { update() {}, finish() {} };
  return target.isTTY ? terminalProgress(target, options) : lineProgress(target, options);
}

function terminalProgress(target: ProgressTarget, { label, total }: ProgressOptions): Progress {
  const known = total !== undefined && total > 0;
  const bar = new cliProgress.SingleBar({
    stream: target as NodeJS.WritableStream,
    format: known
      ? `${label} {bar} {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}`
      : `${label} {value} rows | {speed} rows/s`,
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    hideCursor: true,
    etaBuffer: 50,
    fps: 10,
    // cli-progress checks `isTTY` itself; we only get here for a terminal.
    noTTYOutput: false,
  });
  const started = Date.now();
  bar.start(known ? total : 0, 0, { speed: '0' });
  return {
    update(rowsDone) {
      if (!known) bar.setTotal(rowsDone);
      bar.update(rowsDone, { speed: rate(rowsDone, started) });
    },
    finish(summary) {
      bar.stop();
      target.write(`${summary}\n`);
    },
  };
}

function lineProgress(
  target: ProgressTarget,
  { label, total, intervalSeconds = 5 }: ProgressOptions,
): Progress {
  const started = Date.now();
  let lastLine = started;
  return {
    update(rowsDone) {
      const now = Date.now();
      if (now - lastLine < intervalSeconds * 1000) return;
      lastLine = now;
      const of = total === undefined ? '' : `/${total}`;
      const eta =
        total === undefined || rowsDone === 0
          ? ''
          : `, ETA ${Math.max(0, Math.round(((total - rowsDone) * (now - started)) / rowsDone / 1000))} s`;
      target.write(`${label}: ${rowsDone}${of} rows, ${rate(rowsDone, started)} rows/s${eta}\n`);
    },
    finish(summary) {
      target.write(`${summary}\n`);
    },
  };
}

function rate(rowsDone: number, started: number): string {
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  return String(Math.round(rowsDone / seconds));
}
