import type { MessageUnit } from './tool-groups.js';

/**
 * The current turn: the newest unit when it is a sendable user message (it is always sent, never
 * summarized or recalled). Absent when the conversation ends on an assistant or tool message.
 */
export function findCurrentTurn(units: readonly MessageUnit[]): MessageUnit | undefined {
  const last = units.at(-1);
  return last && last.messages[0]!.role === 'user' && !last.defect ? last : undefined;
}

/** The units before the current turn (all of them when there is none). */
export function olderUnits(units: readonly MessageUnit[], current: MessageUnit | undefined): readonly MessageUnit[] {
  return current ? units.slice(0, -1) : units;
}
