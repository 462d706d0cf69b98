#!/usr/bin/env node
// The `llm-context` command. A published package runs the built CLI (dist/); a fresh clone of the
// repository, which has no build, runs the TypeScript source through tsx (a devDependency), so
// `npx llm-context serve` works right after `npm install`.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/index.ts', import.meta.url).href);
}
