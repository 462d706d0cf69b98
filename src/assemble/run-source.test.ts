import { describe, expect, it } from 'vitest';
import { runSource } from './run-source.js';

describe('runSource', () => {
  it('should return what the source returns and add no note', async () => {
    const notes: string[] = [];
    expect(await runSource(notes, 'recall', async () => 42)).toBe(42);
    expect(notes).toEqual([]);
  });

  it('should turn a failure into a note naming the error class, never the message', async () => {
    const notes: string[] = [];
    expect(await runSource(notes, 'summary', async () => Promise.reject(new TypeError('secret user text')))).toBeUndefined();
    expect(notes).toEqual(['summary source failed (TypeError); the section was left empty']);
  });

  it('should abandon a source that never settles after the timeout', async () => {
    const notes: string[] = [];
    expect(await runSource(notes, 'memories', () => new Promise<never>(() => undefined), 20)).toBeUndefined();
    expect(notes).toEqual(['memories source timed out after 20 ms; the section was left empty']);
  });
});
