import { readFile } from 'node:fs/promises';
import { parseLocomo, type LocomoSample } from '../../src/importers/locomo.js';

/** The LoCoMo parser is shared with the CLI importer (`src/importers/locomo.ts`); this adds the file read. */
export { normaliseEvidenceId, parseSessionDate, type LocomoQuestion, type LocomoSample, type LocomoTurn } from '../../src/importers/locomo.js';

export async function loadLocomo(options: { path: string }): Promise<LocomoSample[]> {
  return parseLocomo(JSON.parse(await readFile(options.path, 'utf8')));
}
