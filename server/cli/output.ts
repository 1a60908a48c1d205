/** Prints rows as an aligned text table (what operators read); --json gives the raw rows. */
export function printTable(rows: object[], columns: string[]): void {
  const cells = rows.map((r) =>
    columns.map((c) => String((r as Record<string, unknown>)[c] ?? '')),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.toUpperCase())));
  for (const row of cells) console.log(line(row));
}
