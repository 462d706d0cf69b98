/**
 * English stop words: the Snowball project's English stop list (Porter,
 * https://snowballstem.org/algorithms/english/stop.txt), which NLTK also ships, plus the
 * contraction fragments our tokenizer produces (`ll`, `ve`, `re`, `m`, `d`, `s`, `t`).
 * Removing them keeps BM25 from rewarding turns for sharing "what did you …" with the query.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself ' +
    'it its itself they them their theirs themselves what which who whom this that these those am is are was were be ' +
    'been being have has had having do does did doing would should could ought a an the and but if or because as until ' +
    'while of at by for with about against between into through during before after above below to from up down in out ' +
    'on off over under again further then once here there when where why how all any both each few more most other some ' +
    'such no nor not only own same so than too very can will just don now shall may might must also ' +
    'll ve re m d s t'
  ).split(' '),
);
