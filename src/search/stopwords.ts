import { eng } from 'stopword';

/**
 * The fragments our tokenizer leaves when it splits contractions on apostrophes (`we'll` → `we`,
 * `ll`; `I'm` → `i`, `m`): never words of their own.
 */
const CONTRACTION_FRAGMENTS = ['ll', 've', 're', 'm', 'd', 's', 't'];

/**
 * Forms of pronouns and auxiliaries whose other forms `eng` lists (`her` but not `she`, `it` but
 * not `its`, `do`/`did` but not `does`), and the question words it lacks (`when`, `why`, `whose`;
 * the Snowball English list has them): without them a question such as "what does she …" or
 * "when did …" ranks turns for sharing its grammar (measured on the LoCoMo dev set, see
 * bench/eval/README.md: the question words added 0.774 / 0.845 / 0.895 at 1k / 2k / 4k, from
 * 0.765 / 0.843 / 0.892).
 */
const MISSING_FORMS = ['she', 'hers', 'herself', 'its', 'itself', 'theirs', 'themselves', 'myself', 'ours', 'ourselves', 'yours', 'yourself', 'yourselves', 'whom', 'does', 'doing', 'having', 'when', 'why', 'whose'];

/**
 * English stop words: the `stopword` package's English list (`eng`, 108 words), the forms of its
 * pronouns and auxiliaries it lacks, and the contraction fragments above. Removing them keeps
 * BM25 from rewarding turns for sharing "what did you …" with the query.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([...eng, ...MISSING_FORMS, ...CONTRACTION_FRAGMENTS]);
