import type { MessageCounter } from './message-counter.js';
import { olderUnits } from './current-turn.js';
import { readEarlier, type HistoryRead, type ReadTarget } from './read-history.js';
import { selectWindow, type WindowSelection } from './select-window.js';
import { groupIntoUnits, type MessageUnit } from './tool-groups.js';
import type { Message } from '../types.js';

// Stage 4 of assembly: the recent turns that fit what the sections left, reading further back when they all fit.

/** Tail reads one assembly may add after the first (a bound on round trips for one call). */
export const MAX_TAIL_READS = 20;

export interface WindowFit {
  readonly window: WindowSelection;
  /** The history read, including any continuation reads. */
  readonly read: HistoryRead;
}

function windowOptions(current: MessageUnit | undefined, read: HistoryRead) {
  // A read that stopped mid-history may have cut a tool group at its start.
  return { currentIsUser: current !== undefined, cutAtStart: !read.reachedStart };
}

/**
 * The smallest window (what is left when every section takes its whole cap), chosen before the
 * sections are gathered: it tells where the summary must reach and recall may search
 * (`windowStartSeq`), and whether the whole history fits with no summary or recall at all.
 */
export function provisionalWindow(options: { units: readonly MessageUnit[]; current: MessageUnit | undefined; read: HistoryRead; budget: number }): { windowStartSeq: number; wholeHistoryFits: boolean } {
  const { units, current, read } = options;
  const minimal = selectWindow(olderUnits(units, current).filter((unit) => !isSystemUnit(unit)), options.budget, windowOptions(current, read));
  const currentSeq = current?.messages[0]!.seq;
  return {
    windowStartSeq: minimal.units[0]?.messages[0]!.seq ?? currentSeq ?? read.conversation.lastSeq + 1,
    wholeHistoryFits: read.reachedStart && minimal.dropped.length === 0 && minimal.exhausted,
  };
}

/**
 * Picks the most recent whole units before the current turn that fit `budget` tokens (see
 * {@link selectWindow}: tool groups are never split, defective units are dropped, the window starts
 * on a user turn), never reaching back over turns the summary covers (`seq <= summaryFloor`). While
 * every unit read fits and older history remains, it reads further back (at most
 * {@link MAX_TAIL_READS} more round trips) and selects again.
 */
export async function fitWindow(options: {
  target: ReadTarget;
  read: HistoryRead;
  units: readonly MessageUnit[];
  current: MessageUnit | undefined;
  budget: number;
  summaryFloor: number;
  counter: MessageCounter;
}): Promise<WindowFit> {
  const { target, current, budget, summaryFloor, counter } = options;
  let { read } = options;
  // Stored system messages are merged into the leading system message (see `storedSystemMessages`), never windowed.
  const uncovered = (all: readonly MessageUnit[]) => olderUnits(all, current).filter((unit) => unit.messages[0]!.seq > summaryFloor && !isSystemUnit(unit));
  let window = selectWindow(uncovered(options.units), budget, windowOptions(current, read));
  for (let reads = 0; window.exhausted && !read.reachedStart && (read.messages[0]?.seq ?? read.conversation.lastSeq + 1) > summaryFloor + 1 && reads < MAX_TAIL_READS; reads += 1) {
    read = await readEarlier(target, read, { maxTokens: budget - window.tokens });
    const units = groupIntoUnits(read.messages, counter.countChecked);
    window = selectWindow(uncovered(units), budget, windowOptions(current, read));
  }
  return { window, read };
}

export function isSystemUnit(unit: MessageUnit): boolean {
  return unit.messages[0]!.role === 'system';
}

/**
 * The stored system messages among the messages read, ascending: instructions, not conversation.
 * They are merged into the leading system message (after the system prompt) instead of being
 * windowed, trimmed or summarized, so none is dropped silently.
 */
export function storedSystemMessages(read: HistoryRead): Message[] {
  return read.messages.filter((message) => message.role === 'system');
}
