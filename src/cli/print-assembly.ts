import type { AssembleResult } from '../context-manager.js';
import { messageText } from '../messages/message-text.js';
import { SECTION_ORDER } from '../assemble/report.js';

/** One line per section saying what it holds, printed beside its row of the token report. */
export const SECTION_DESCRIPTIONS: Readonly<Record<(typeof SECTION_ORDER)[number], string>> = {
  system: 'your system prompt (and stored system messages)',
  tools: 'tool definitions',
  memories: 'long-term facts about the user, pinned or relevant to this turn',
  summary: 'rolling summary of the turns older than the window',
  recall: 'older turns relevant to this turn, found by search',
  recent: 'the latest turns, verbatim',
  current: 'this turn (the last user message)',
  overhead: 'per-message framing tokens',
};

/** The assembled prompt and its token report as readable text (the CLI's default output). */
export function formatAssembly(result: AssembleResult, options: { maxCharsPerMessage?: number } = {}): string {
  const limit = options.maxCharsPerMessage ?? 400;
  const lines: string[] = [];
  lines.push(`── prompt: ${result.messages.length} messages ──`);
  for (const message of result.messages) {
    const text = messageText(message);
    const shown = text.length > limit ? `${text.slice(0, limit)}… (${text.length} chars)` : text;
    lines.push(`[${message.role}${message.name ? `:${message.name}` : ''}] ${shown}`);
  }
  const { report } = result;
  lines.push('', `── token report (${report.budget.encoding}${report.budget.exactTokenizer ? '' : ', approximate for this model'}) ──`);
  const rows = SECTION_ORDER.map((name) => {
    const section = report.sections[name];
    const what = section.items === 0 && section.reason ? `empty: ${section.reason}` : SECTION_DESCRIPTIONS[name];
    return [name, String(section.tokens), String(section.items), section.cap === undefined ? '' : String(section.cap), what];
  });
  rows.push(['total', String(report.totalTokens), '', '', ''], ['budget', String(report.budget.available), '', '', '']);
  lines.push(table(['section', 'tokens', 'items', 'cap', 'what'], rows));
  const reasons = new Map<string, number>();
  for (const item of report.dropped) reasons.set(`${item.section}/${item.reason}`, (reasons.get(`${item.section}/${item.reason}`) ?? 0) + 1);
  lines.push(
    '',
    `window: seq ${report.window.fromSeq ?? '-'}–${report.window.toSeq ?? '-'} (${report.window.messages} messages); ${report.window.olderMessages} older messages not read`,
    `read: ${report.reads.messages} messages in ${report.reads.roundTrips} round trips`,
    `summary: ${report.summary.status}${report.summary.note ? ` (${report.summary.note})` : ''}`,
    `dropped: ${reasons.size === 0 ? 'nothing' : [...reasons].map(([reason, count]) => `${count} ${reason}`).join(', ')}`,
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // Names and the last column (text) align left, numbers right.
  const last = header.length - 1;
  const render = (row: string[]) => row.map((cell, column) => (column === 0 || column === last ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(render)].join('\n');
}
