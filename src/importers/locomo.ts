import { ValidationError } from '../errors.js';

/**
 * Parses the LoCoMo format (Maharana et al., "Evaluating Very Long-Term Conversational Memory of
 * LLM Agents", ACL 2024; layout described in `shared/data/README.md`): a list of samples with
 * `conversation` (speakers, `session_N` turn lists, `session_N_date_time`) and `qa` items.
 * Only the structure is assumed, never the contents, so any file in this format works.
 * Used by the CLI importer and the evaluation harness.
 */

export interface LocomoTurn {
  /** `D<session>:<turn>` */
  readonly diaId: string;
  readonly speaker: string;
  /** The turn text, plus `[shares an image: caption]` when the turn carried an image caption. */
  readonly text: string;
  /** The verbatim turn text, which the metric looks for in the assembled context. */
  readonly rawText: string;
  readonly createdAt: Date;
  readonly session: number;
}

export interface LocomoQuestion {
  readonly question: string;
  /** Normalised evidence turn ids (`D1:3`). */
  readonly evidence: readonly string[];
  readonly category: number;
}

export interface LocomoSample {
  readonly sampleId: string;
  readonly speakerA: string;
  readonly speakerB: string;
  readonly turns: readonly LocomoTurn[];
  readonly questions: readonly LocomoQuestion[];
}

/**
 * @param raw the parsed JSON of a LoCoMo file
 * @throws {ValidationError} when it is not a list of samples with conversations.
 */
export function parseLocomo(raw: unknown): LocomoSample[] {
  if (!Array.isArray(raw)) throw new ValidationError({ field: 'samples', message: 'must be a JSON list of LoCoMo samples' });
  return raw.map((sample, index) => parseSample(sample as Record<string, unknown>, index));
}

/** True when `raw` looks like LoCoMo (a list whose first item has `conversation` with `speaker_a`). */
export function isLocomo(raw: unknown): boolean {
  if (!Array.isArray(raw) || raw.length === 0) return false;
  const first = raw[0] as Record<string, unknown> | null;
  return typeof first === 'object' && first !== null && typeof first.conversation === 'object' && first.conversation !== null && 'speaker_a' in first.conversation;
}

function parseSample(sample: Record<string, unknown>, index: number): LocomoSample {
  const conversation = sample.conversation as Record<string, unknown> | undefined;
  if (!conversation || typeof conversation !== 'object') throw new ValidationError({ field: `samples[${index}].conversation`, message: 'is missing (not a LoCoMo sample)' });
  const sessions = Object.keys(conversation)
    .map((key) => /^session_(\d+)$/.exec(key))
    .filter((match): match is RegExpExecArray => match !== null && Array.isArray(conversation[match[0]]))
    .map((match) => Number(match[1]))
    .sort((left, right) => left - right);
  const turns: LocomoTurn[] = [];
  let previousTime = 0;
  for (const session of sessions) {
    const start = parseSessionDate(conversation[`session_${session}_date_time`]) ?? new Date(previousTime + 60_000);
    const list = conversation[`session_${session}`] as Array<Record<string, unknown>>;
    list.forEach((turn, position) => {
      const rawText = String(turn.text ?? '');
      const caption = typeof turn.blip_caption === 'string' && turn.blip_caption.length > 0 ? turn.blip_caption : undefined;
      // Turns one second apart keep their order when sorted by time.
      const createdAt = new Date(start.getTime() + position * 1000);
      previousTime = createdAt.getTime();
      turns.push({
        diaId: normaliseEvidenceId(String(turn.dia_id)),
        speaker: String(turn.speaker),
        rawText,
        text: caption ? `${rawText} [shares an image: ${caption}]` : rawText,
        createdAt,
        session,
      });
    });
  }
  const questions = ((sample.qa as Array<Record<string, unknown>> | undefined) ?? []).map((item) => ({
    question: String(item.question ?? ''),
    evidence: (Array.isArray(item.evidence) ? item.evidence : []).flatMap((id) => String(id).split(/[;,]/)).map((id) => normaliseEvidenceId(id.trim())).filter((id) => id.length > 0),
    category: Number(item.category),
  }));
  return {
    sampleId: String(sample.sample_id ?? `sample-${index}`),
    speakerA: String(conversation.speaker_a ?? 'A'),
    speakerB: String(conversation.speaker_b ?? 'B'),
    turns,
    questions,
  };
}

/** `D:11:26` → `D11:26`, `D30:05` → `D30:5` (the README's normalisations). */
export function normaliseEvidenceId(id: string): string {
  const match = /^D:?(\d+):(\d+)$/.exec(id.replace(/\s+/g, ''));
  return match ? `D${Number(match[1])}:${Number(match[2])}` : id;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** Parses `"1:56 pm on 8 May, 2023"` as UTC; null when the string has another shape. */
export function parseSessionDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(value);
  if (!match) return null;
  const month = MONTHS.indexOf(match[5]!.toLowerCase());
  if (month < 0) return null;
  let hour = Number(match[1]) % 12;
  if (match[3]!.toLowerCase() === 'pm') hour += 12;
  return new Date(Date.UTC(Number(match[6]), month, Number(match[4]), hour, Number(match[2])));
}

/**
 * The replay mapping of the evaluation (shared/data/README.md): speaker A as `user`, speaker B as
 * `assistant`, the speaker's name kept, `createdAt` from the session date, `dia_id` as the message id.
 */
export function locomoToMessages(sample: LocomoSample): Array<{ id: string; role: 'user' | 'assistant'; name: string; content: string; createdAt: Date }> {
  return sample.turns.map((turn) => ({
    id: turn.diaId,
    role: turn.speaker === sample.speakerA ? 'user' : 'assistant',
    name: turn.speaker,
    content: turn.text,
    createdAt: turn.createdAt,
  }));
}
