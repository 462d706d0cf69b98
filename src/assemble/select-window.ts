import type { MessageUnit } from './tool-groups.js';
import type { DroppedItem } from './report.js';

export interface WindowSelection {
  /** Kept units, ascending. */
  readonly units: readonly MessageUnit[];
  readonly tokens: number;
  readonly dropped: readonly DroppedItem[];
  /** True when selection stopped because it ran out of units (more history could still fit). */
  readonly exhausted: boolean;
}

/**
 * Picks the most recent units that fit `budget` tokens, newest first, whole units only.
 *
 * - Defective units (orphan tool result, unanswered tool call) are skipped: sending them makes
 *   providers reject the request.
 * - A unit larger than the whole window budget can never fit: it is dropped (`too-large`) and
 *   older units are still considered. A unit that merely does not fit what is left ends the window.
 * - With `cutAtStart` (more history precedes the units), an orphan tool result at the very start
 *   may be a group cut by the read; it only counts as "ran out of units" if its part fits.
 * - The window then starts on a user turn where possible (older assistant/tool units before the
 *   first kept user turn — or, with none, before the current user turn — are dropped,
 *   `start-on-user`), as LangChain's `trimMessages({ startOn: "human" })` does.
 */
export function selectWindow(unitsAscending: readonly MessageUnit[], budget: number, options: { currentIsUser?: boolean; cutAtStart?: boolean } = {}): WindowSelection {
  const kept: MessageUnit[] = [];
  const dropped: DroppedItem[] = [];
  let used = 0;
  let exhausted = true;
  for (let index = unitsAscending.length - 1; index >= 0; index -= 1) {
    const unit = unitsAscending[index]!;
    if (unit.defect) {
      dropped.push(...unitDrops(unit, unit.defect));
      // The oldest unit of a read that stopped mid-history may be a tool group cut at the read's
      // edge: when even its known part does not fit, reading further cannot add anything.
      if (index === 0 && options.cutAtStart && used + unit.tokens > budget) exhausted = false;
      continue;
    }
    if (unit.tokens > budget) {
      dropped.push(...unitDrops(unit, 'too-large'));
      continue;
    }
    if (used + unit.tokens > budget) {
      exhausted = false;
      break;
    }
    kept.push(unit);
    used += unit.tokens;
  }
  kept.reverse();
  let firstUser = kept.findIndex((unit) => unit.messages[0]!.role === 'user');
  // No user turn among the older units: the current user turn is where the window starts.
  if (firstUser === -1 && options.currentIsUser) firstUser = kept.length;
  if (firstUser > 0) {
    // Stored system messages are instructions, not conversation: they stay.
    const leading = kept.splice(0, firstUser);
    const keptLeading = leading.filter((unit) => unit.messages[0]!.role === 'system');
    for (const unit of leading) {
      if (unit.messages[0]!.role === 'system') continue;
      used -= unit.tokens;
      dropped.push(...unitDrops(unit, 'start-on-user'));
    }
    kept.unshift(...keptLeading);
  }
  return { units: kept, tokens: used, dropped, exhausted };
}

export function unitDrops(unit: MessageUnit, reason: DroppedItem['reason']): DroppedItem[] {
  return unit.messages.map((message, index) => ({
    section: 'recent' as const,
    reason,
    messageId: message.id,
    seq: message.seq,
    tokens: unit.messageTokens[index]!,
  }));
}
