/**
 * The Porter stemming algorithm: M. F. Porter, "An algorithm for suffix stripping", Program 14(3),
 * 1980, pp. 130–137 (https://tartarus.org/martin/PorterStemmer/). This is a port of the
 * public-domain JavaScript reference version published on that page, kept as written there
 * (regular expressions for the measure `m` and each step) so it can be checked against it.
 *
 * No stemming library is installed in this project, and the algorithm is short and stable, so it
 * lives here rather than as a dependency.
 */

const STEP2: Readonly<Record<string, string>> = {
  ational: 'ate', tional: 'tion', enci: 'ence', anci: 'ance', izer: 'ize', bli: 'ble', alli: 'al',
  entli: 'ent', eli: 'e', ousli: 'ous', ization: 'ize', ation: 'ate', ator: 'ate', alism: 'al',
  iveness: 'ive', fulness: 'ful', ousness: 'ous', aliti: 'al', iviti: 'ive', biliti: 'ble', logi: 'log',
};

const STEP3: Readonly<Record<string, string>> = {
  icate: 'ic', ative: '', alize: 'al', iciti: 'ic', ical: 'ic', ful: '', ness: '',
};

const consonant = '[^aeiou]';
const vowel = '[aeiouy]';
const consonants = `${consonant}[^aeiouy]*`;
const vowels = `${vowel}[aeiou]*`;
/** m > 0 */
const measureAbove0 = new RegExp(`^(${consonants})?${vowels}${consonants}`);
/** m = 1 */
const measureIs1 = new RegExp(`^(${consonants})?${vowels}${consonants}(${vowels})?$`);
/** m > 1 */
const measureAbove1 = new RegExp(`^(${consonants})?${vowels}${consonants}${vowels}${consonants}`);
const hasVowel = new RegExp(`^(${consonants})?${vowel}`);
const endsCvc = new RegExp(`^${consonants}${vowel}[^aeiouwxy]$`);

/**
 * Stems one lowercase English word, e.g. `painting` → `paint`, `agencies` → `agenc`.
 * Words shorter than 3 characters are returned unchanged.
 */
export function porterStem(input: string): string {
  if (input.length < 3) return input;
  let word = input;
  const startsWithY = word[0] === 'y';
  if (startsWithY) word = `Y${word.slice(1)}`;

  // Step 1a: plurals.
  if (/^(.+?)(ss|i)es$/.test(word)) word = word.replace(/^(.+?)(ss|i)es$/, '$1$2');
  else if (/^(.+?)([^s])s$/.test(word)) word = word.replace(/^(.+?)([^s])s$/, '$1$2');

  // Step 1b: -eed, -ed, -ing.
  let match = /^(.+?)eed$/.exec(word);
  if (match) {
    if (measureAbove0.test(match[1]!)) word = word.slice(0, -1);
  } else {
    match = /^(.+?)(ed|ing)$/.exec(word);
    if (match && hasVowel.test(match[1]!)) {
      word = match[1]!;
      if (/(at|bl|iz)$/.test(word)) word += 'e';
      else if (/([^aeiouylsz])\1$/.test(word)) word = word.slice(0, -1);
      else if (endsCvc.test(word)) word += 'e';
    }
  }

  // Step 1c: y → i.
  match = /^(.+?)y$/.exec(word);
  if (match && hasVowel.test(match[1]!)) word = `${match[1]!}i`;

  // Step 2: double suffixes.
  match = /^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$/.exec(word);
  if (match && measureAbove0.test(match[1]!)) word = match[1]! + STEP2[match[2]!]!;

  // Step 3: -ic-, -full, -ness etc.
  match = /^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$/.exec(word);
  if (match && measureAbove0.test(match[1]!)) word = match[1]! + STEP3[match[2]!]!;

  // Step 4: -ant, -ence etc. where m > 1.
  match = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/.exec(word);
  if (match) {
    if (measureAbove1.test(match[1]!)) word = match[1]!;
  } else {
    match = /^(.+?)(s|t)(ion)$/.exec(word);
    if (match && measureAbove1.test(match[1]! + match[2]!)) word = match[1]! + match[2]!;
  }

  // Step 5: tidy up -e and -ll.
  match = /^(.+?)e$/.exec(word);
  if (match) {
    const stem = match[1]!;
    if (measureAbove1.test(stem) || (measureIs1.test(stem) && !endsCvc.test(stem))) word = stem;
  }
  if (/ll$/.test(word) && measureAbove1.test(word)) word = word.slice(0, -1);

  if (startsWithY) word = `y${word.slice(1)}`;
  return word;
}
