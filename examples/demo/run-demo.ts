import { runDemo } from './demo.js';

/**
 * `npm run demo`: imports the bundled support chat with the CLI and prints the assembled context
 * for a 2,000-token budget (see `runDemo`). Pass `--data-dir DIR` to keep the store.
 */
const args = process.argv.slice(2);
const dataDirIndex = args.indexOf('--data-dir');
process.exitCode = await runDemo(dataDirIndex >= 0 ? { dataDir: args[dataDirIndex + 1]! } : {});
