import { cpus, totalmem } from 'node:os';
import type { Result } from './scenarios.js';
import { formatFigure } from './stats.js';

export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node.js ${process.version}, ${process.platform}`;
}

/** The results as a markdown table: AuditKit, baseline, ratio and whether the goal is met. */
export function resultsTable(results: Result[]): string {
  const lines = [
    '| adapter | measure | AuditKit | baseline | ratio | goal |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results) {
    const ratio = result.baseline ? result.auditKit.median / result.baseline.median : undefined;
    const goal =
      result.goal === undefined || ratio === undefined
        ? (result.note ?? '')
        : `≥ ${result.goal}× ${ratio >= result.goal ? '✅' : '❌'}`;
    lines.push(
      `| ${result.adapter} | ${result.measure} | ${formatFigure(result.auditKit, ` ${result.unit}`)} | ${
        result.baseline ? `${formatFigure(result.baseline, ` ${result.unit}`)} (${result.baselineName})` : '—'
      } | ${ratio === undefined ? '—' : `${ratio.toFixed(2)}×`} | ${goal} |`,
    );
  }
  return lines.join('\n');
}
