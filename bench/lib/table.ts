/** Markdown output for the benchmark report. */

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const separator = header.map((_, index) => ((align?.[index] ?? (index === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [header, separator, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Progress goes to stderr so stdout stays a clean markdown report. */
export function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}
