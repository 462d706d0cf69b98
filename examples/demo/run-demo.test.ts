import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/program.js';
import { SECTION_DESCRIPTIONS } from '../../src/cli/print-assembly.js';
import { ContextManager } from '../../src/context-manager.js';
import { runDemo } from './demo.js';
import { generateSupportChat } from './support-chat.js';

describe('the demo support chat', () => {
  it('should be deterministic, 200+ turns, with tool calls, and assemble under 2,000 tokens with tool groups intact', async () => {
    const messages = generateSupportChat();
    expect(generateSupportChat()).toEqual(messages);
    expect(messages.length).toBeGreaterThanOrEqual(200);
    expect(messages.filter((message) => message.role === 'tool').length).toBeGreaterThan(20);
    const manager = new ContextManager();
    const scope = { tenantId: 'demo' };
    await manager.append('support-chat', messages, { scope });
    const { messages: prompt, report } = await manager.assemble('support-chat', { scope, budget: { maxTokens: 2000 }, system: 'You are Acme support.' });
    expect(report.totalTokens).toBeLessThanOrEqual(2000);
    expect(report.totalTokens).toBeGreaterThan(1500);
    expect(prompt.at(-1)?.content).toContain('which refunds have I asked for');
    const calls = new Set<string>();
    for (const message of prompt) {
      if (typeof message.content === 'string') continue;
      for (const part of message.content) {
        if (part.type === 'tool-call') calls.add(part.toolCallId);
        if (part.type === 'tool-result') expect(calls.has(part.toolCallId)).toBe(true);
      }
    }
  });

  it('should print, through the CLI, a report whose memories, summary, recall and recent are all non-empty, each with a line saying what it is', { timeout: 120_000 }, async () => {
    const out: string[] = [];
    const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => out.push(text), interactive: false };
    expect(await runDemo({ io })).toBe(0);
    const text = out.join('\n');
    for (const section of ['memories', 'summary', 'recall', 'recent'] as const) {
      const row = text.split('\n').find((line) => line.startsWith(`${section} `));
      expect(row, section).toBeDefined();
      const [, tokens, items] = row!.trim().split(/\s+/);
      expect(Number(tokens), section).toBeGreaterThan(0);
      expect(Number(items), section).toBeGreaterThan(0);
      expect(row).toContain(SECTION_DESCRIPTIONS[section]);
    }
    expect(text).toMatch(/; [1-9]\d* memories in scope/);

    const jsonOut: string[] = [];
    expect(await runDemo({ io: { ...io, stdout: (line) => jsonOut.push(line) }, json: true })).toBe(0);
    const { messages, report } = JSON.parse(jsonOut.at(-1)!) as { messages: Array<{ role: string; content: unknown }>; report: { sections: Record<string, { items: number; tokens: number }>; summary: { summarizer?: string } } };
    for (const section of ['memories', 'summary', 'recall', 'recent']) expect(report.sections[section]!.items, section).toBeGreaterThan(0);
    // The refund the customer asked about is a memory the import extracted from their own words.
    expect(JSON.stringify(messages[0]!.content)).toMatch(/The user asked for a refund for order A-\d+/);
  });
});
