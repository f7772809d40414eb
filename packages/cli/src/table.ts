/**
 * Left-aligned columns separated by two spaces, for human output.
 *
 * @example
 * ```ts
 * formatTable(['ACTION', 'VERSION'], [['user.signed_in', '2']]);
 * ```
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
