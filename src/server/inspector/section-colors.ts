import type { SectionName } from '../../assemble/report.js';

/**
 * One colour per report section (and `free` for the unused budget), shared by the budget bar, the
 * legend and the section blocks. Chosen from the Tailwind 600 palette for contrast with white text.
 */
export const SECTION_COLORS: Readonly<Record<SectionName | 'free', string>> = {
  system: '#475569',
  tools: '#0284c7',
  memories: '#9333ea',
  summary: '#d97706',
  recall: '#059669',
  recent: '#2563eb',
  current: '#dc2626',
  overhead: '#6b7280',
  free: '#e5e7eb',
};

/** What each section holds, shown under its name. */
export const SECTION_DESCRIPTIONS: Readonly<Record<SectionName, string>> = {
  system: 'the system prompt (instructions)',
  tools: 'tool definitions passed to the model',
  memories: 'long-term memories: pinned and relevant to the query',
  summary: 'rolling summary of turns older than the window',
  recall: 'excerpts of older history recalled by the query',
  recent: 'the recent window: newest turns that fit',
  current: 'the current user turn',
  overhead: 'chat framing: reply priming and the system message frame',
};
