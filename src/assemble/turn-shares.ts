// Which kind of turn an assembly serves decides how the default budget is split.

/**
 * - `question about earlier turns`: a question that names something (a capitalised word after the
 *   first) or points back (a past-tense cue such as `did`, `last`, `ago`, `mentioned`, or a word in
 *   `-ed`) — the answer is likely older than the window, so recall gets most of the budget;
 * - `follow-up`: a short turn leaning on the last exchange (`why?`, `and the other one?`, `make it
 *   shorter`) — the recent turns matter most;
 * - `statement`: anything else (the plain default shares).
 */
export type TurnKind = 'question about earlier turns' | 'follow-up' | 'statement';

/**
 * The default shares per kind of turn. Written for this project and measured on the LoCoMo dev
 * file (`npm run eval -- --defaults`, bench/eval/README.md): a question about earlier turns gives
 * recall 0.8 (the tuned harness uses 0.9 and no summary or memories); a follow-up gives recall
 * 0.1, so at least 0.65 of the budget stays with the recent window. Shares a section leaves
 * unused go back to the window, except that for a question about earlier turns recall takes what
 * memories and summary leave first ({@link RECALL_TAKES_UNUSED}).
 */
export const TURN_SHARES: Readonly<Record<TurnKind, { readonly memories: number; readonly summary: number; readonly recall: number }>> = {
  'question about earlier turns': { memories: 0.1, summary: 0.05, recall: 0.8 },
  'follow-up': { memories: 0.1, summary: 0.15, recall: 0.1 },
  statement: { memories: 0.15, summary: 0.2, recall: 0.25 },
};

const QUESTION_OPENERS = new Set(['what', 'when', 'where', 'who', 'whom', 'whose', 'which', 'why', 'how', 'did', 'do', 'does', 'was', 'were', 'is', 'are', 'have', 'has', 'had', 'can', 'could', 'would', 'will', 'should', 'remind', 'tell']);
const PAST_CUES = new Set(['did', 'was', 'were', 'had', 'ago', 'last', 'before', 'earlier', 'previously', 'remember', 'recall', 'mentioned', 'said', 'told', 'asked', 'ever', 'since', 'yesterday', 'first', 'already', 'again', 'back']);
const FOLLOW_UP_OPENERS = new Set(['and', 'but', 'so', 'also', 'then', 'ok', 'okay', 'why', 'really', 'more', 'shorter', 'longer', 'another', 'continue', 'go', 'same', 'what about', 'how about']);
const ANAPHORA = new Set(['it', 'that', 'this', 'those', 'these', 'them', 'one', 'ones', 'there', 'above', 'previous']);
/** Words a follow-up has at most (a longer turn carries its own topic). */
const FOLLOW_UP_MAX_WORDS = 6;

/** Classifies the turn an assembly serves (the query text: the last user turn or `query`). Pure, linear in the text. */
export function classifyTurn(text: string): TurnKind {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'statement';
  const words = trimmed.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  if (words.length === 0) return 'statement';
  const opener = words[0]!;
  const openerPair = words.slice(0, 2).join(' ');
  const isQuestion = trimmed.includes('?') || QUESTION_OPENERS.has(opener);
  // A capitalised word after the first one names something (a person, a product, a place).
  const namesSomething = (trimmed.match(/[\p{L}\p{N}']+/gu) ?? []).slice(1).some((word) => /^\p{Lu}/u.test(word) && word !== 'I' && !word.startsWith("I'"));
  const pastCue = words.some((word) => PAST_CUES.has(word) || (word.length > 4 && word.endsWith('ed')));
  if (words.length <= FOLLOW_UP_MAX_WORDS && !namesSomething && (FOLLOW_UP_OPENERS.has(opener) || FOLLOW_UP_OPENERS.has(openerPair) || words.some((word) => ANAPHORA.has(word)))) {
    return 'follow-up';
  }
  if (isQuestion && (namesSomething || pastCue)) return 'question about earlier turns';
  return 'statement';
}

/**
 * Whether recall takes what memories and summary leave unused before the window does, per kind of
 * turn (adaptive shares only; shares given are used as given). For a question about earlier turns
 * the answer is rarely among the recent turns (on the LoCoMo dev file the most recent turns that
 * fit 2,000 tokens hold 0.095 of the evidence), so a memories section left
 * empty (no memories extracted) or a short summary gives its tokens to recall: measured +0.02
 * evidence recall at 2k with the default manager (0.827 → 0.846, bench/eval/README.md), which
 * brings it to the tuned harness's recall 0.9.
 */
export const RECALL_TAKES_UNUSED: Readonly<Record<TurnKind, boolean>> = {
  'question about earlier turns': true,
  'follow-up': false,
  statement: false,
};

/**
 * Recall neighbours for a question about earlier turns when none are given: two turns after each
 * match, so the reply to a matched question comes along (+0.06 evidence recall at 2k on the LoCoMo
 * dev file, bench/eval/README.md); other turns keep the recall default `{ before: 1, after: 1 }`.
 */
export const QUESTION_NEIGHBOURS = { before: 1, after: 2 } as const;
