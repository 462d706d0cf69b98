import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTION_ORDER, type AssemblyReport } from '../../src/assemble/report.js';
import { createContextServer } from '../../src/server/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { startServe } from '../support/serve-process.js';

/**
 * End-to-end: the context server in-process on loopback (its real fetch handler under
 * @hono/node-server), a seeded conversation long enough to need a summary and recall, and Debian's
 * Chromium driving `GET /inspect`: enter the key, pick the conversation, change the budget, and
 * check that every number shown is the report's — fetched by the test from the same API.
 * `UPDATE_SCREENSHOTS=1` also copies the page's screenshot to docs/inspector.png (the README's).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = `${ROOT}test-artifacts`;
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium && process.env.CI) {
  throw new Error(`[e2e] Chromium is required in CI but ${CHROMIUM} does not exist: install it with "apt-get install -y chromium" (.ci/run does).`);
}

const CONVERSATION = 'trip-to-portugal';
const XSS_CONVERSATION = 'xss-probe';
const XSS_TEXT = '<script>window.__xss = "script"</script><img src=x onerror="window.__xss = \'img\'">';

interface ContextResult {
  readonly messages: ReadonlyArray<{ role: string; id?: string }>;
  readonly report: AssemblyReport;
}

describe('inspector (GET /inspect)', () => {
  let listener: ServerType | undefined;
  let browser: Browser | undefined;
  let baseUrl = '';
  let apiKey = '';

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`[e2e] ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  beforeAll(async () => {
    const server = createContextServer({ store: createMemoryStore(), secret: 'inspector-e2e-secret-0123456789abcdef' });
    apiKey = (await server.keys.create({ tenantId: 'acme', role: 'write' })).key;
    listener = serve({ fetch: server.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => listener!.once('listening', () => resolve()));
    baseUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    await seed();
    if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  });

  /** 70 turns of a trip plan (≈ 4,500 tokens), a stored summary of the first 20, a pinned memory; and a conversation of hostile markup. */
  async function seed(): Promise<void> {
    const topics = [
      'the hotel in Porto near the Ribeira, with a view of the Douro',
      'train tickets from Lisbon to Porto on the Alfa Pendular',
      'a day trip to Sintra to see the Pena Palace',
      'which pastelarias in Belém sell the best pastéis de nata',
      'renting a car for the Algarve coast and the beaches near Lagos',
      'the budget: flights, hotels, food and a fado evening in Alfama',
      'packing light for hot days and cool evenings by the sea',
    ];
    const messages = Array.from({ length: 70 }, (_unused, index) => {
      const topic = topics[index % topics.length]!;
      return index % 2 === 0
        ? { role: 'user', content: `Turn ${index + 1}: can we settle ${topic}? I would like two options with prices, and what you would pick and why.` }
        : { role: 'assistant', content: `Turn ${index + 1}: about ${topic}, here are two options. The first is cheaper and closer to the centre; the second costs a little more but is quieter and has better reviews. I would pick the second for the first nights and the first later in the trip.` };
    });
    messages.push({ role: 'user', content: 'Remind me: which hotel in Porto did we pick, and was it near the Douro?' });
    await api('POST', '/v1/conversations', { id: CONVERSATION, title: 'Trip to Portugal' });
    await api('POST', `/v1/conversations/${CONVERSATION}/messages`, { messages });
    await api('PUT', `/v1/conversations/${CONVERSATION}/summary`, {
      summary: {
        text: 'The user plans two weeks in Portugal: Lisbon, Sintra, Porto and the Algarve. They prefer quiet hotels with good reviews, travel by train between cities, and want a fado evening.',
        coversThroughSeq: 20,
        tokenCount: 40,
        encoding: 'o200k_base',
        updatedAt: new Date().toISOString(),
      },
      expectedCoversThroughSeq: null,
    });
    await api('POST', '/v1/memories', { key: 'diet', text: 'The user is vegetarian.', pinned: true });

    await api('POST', '/v1/conversations', { id: XSS_CONVERSATION, title: `Probe ${XSS_TEXT}` });
    const hostile = Array.from({ length: 12 }, (_unused, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `${XSS_TEXT} turn ${index + 1} ${'filler words '.repeat(30)}` }));
    await api('POST', `/v1/conversations/${XSS_CONVERSATION}/messages`, { messages: [...hostile, { role: 'user', content: `${XSS_TEXT} now` }] });
    await api('PUT', `/v1/conversations/${XSS_CONVERSATION}/summary`, {
      summary: { text: `Summary ${XSS_TEXT}`, coversThroughSeq: 4, tokenCount: 30, encoding: 'o200k_base', updatedAt: new Date().toISOString() },
      expectedCoversThroughSeq: null,
    });
  }

  async function openWithKey(page: Page): Promise<void> {
    await page.goto(`${baseUrl}/inspect`);
    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator(`#conversation option[value="${CONVERSATION}"]`).waitFor({ state: 'attached' });
  }

  interface Budget {
    readonly maxTokens?: number;
    readonly model?: string;
  }

  /** Picks the conversation, types the budget (tokens, or a model with the token field left empty) and a system prompt, and waits for that result. */
  async function assembleIn(page: Page, conversationId: string, budget: Budget, system = ''): Promise<void> {
    if ((await page.locator('#conversation').inputValue()) !== conversationId) await page.selectOption('#conversation', conversationId);
    await page.getByLabel('System prompt').fill(system);
    await page.getByLabel('Budget (max tokens)').fill(budget.maxTokens === undefined ? '' : String(budget.maxTokens));
    await page.getByLabel('or Model').fill(budget.model ?? '');
    await page.getByRole('button', { name: 'Assemble' }).click();
    await page.locator(`#result[data-request-budget='${JSON.stringify(budget)}']`).waitFor({ timeout: 30_000 });
    await page.locator('#status[data-status="ready"]').waitFor({ timeout: 30_000 });
  }

  /** The numbers the page shows: each section block's visible token count, and the total. */
  async function shownNumbers(page: Page): Promise<{ sections: Record<string, number>; attributes: Record<string, number>; total: number; bar: Record<string, number> }> {
    return page.evaluate(() => {
      const number = (text: string | null | undefined) => Number((text ?? '').replace(/[^0-9]/g, ''));
      const sections: Record<string, number> = {};
      const attributes: Record<string, number> = {};
      for (const block of Array.from(document.querySelectorAll('#sections article[data-section]'))) {
        const name = block.getAttribute('data-section')!;
        sections[name] = number(block.querySelector('.section-tokens')?.textContent);
        attributes[name] = Number(block.getAttribute('data-tokens'));
      }
      const bar: Record<string, number> = {};
      for (const segment of Array.from(document.querySelectorAll('#budget-bar .segment[data-section]'))) bar[segment.getAttribute('data-section')!] = Number(segment.getAttribute('data-tokens'));
      return { sections, attributes, total: number(document.querySelector('#total-tokens')?.textContent), bar };
    });
  }

  async function expectShownToEqualReport(page: Page, budget: Budget, system = ''): Promise<AssemblyReport> {
    const { report } = await api<ContextResult>('POST', `/v1/conversations/${CONVERSATION}/context`, { budget, ...(system ? { system } : {}) });
    const shown = await shownNumbers(page);
    const expected = Object.fromEntries(SECTION_ORDER.map((name) => [name, report.sections[name].tokens]));
    expect(shown.sections).toEqual(expected);
    expect(shown.attributes).toEqual(expected);
    expect(shown.total).toBe(report.totalTokens);
    expect(Object.values(shown.sections).reduce((sum, tokens) => sum + tokens, 0)).toBe(shown.total);
    // The bar has one segment per non-empty section with the section's tokens, then the unused rest.
    const { free, ...segments } = shown.bar;
    expect(segments).toEqual(Object.fromEntries(Object.entries(expected).filter(([, tokens]) => tokens > 0)));
    expect(free ?? 0).toBe(Math.max(0, report.budget.available - report.totalTokens));
    // The budget split as shares of the available tokens, as printed on each block.
    for (const name of SECTION_ORDER) {
      const share = await page.locator(`#section-${name} .share`).textContent();
      expect(share).toBe(`${((100 * report.sections[name].tokens) / report.budget.available).toFixed(1)}% of budget`);
    }
    await expect(page.locator('#window-seqs').getAttribute('data-from-seq')).resolves.toBe(String(report.window.fromSeq));
    await expect(page.locator('#window-seqs').getAttribute('data-to-seq')).resolves.toBe(String(report.window.toSeq));
    expect(await page.locator('#dropped tbody tr').count()).toBe(report.dropped.length);
    await expect(page.locator('#summary-status').getAttribute('data-status')).resolves.toBe(report.summary.status);
    expect(await page.locator('#memories li[data-memory]').count()).toBe(report.memories.length);
    return report;
  }

  it.skipIf(!hasChromium)(`should show the report's numbers for each section at three budgets (two token counts and a model's window)${hasChromium ? '' : ` (skipped: no ${CHROMIUM}; apt-get install -y chromium)`}`, async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    try {
      await openWithKey(page);
      // The key is kept for the tab only, and never left in the input.
      expect(await page.evaluate(() => sessionStorage.getItem('llm-context.inspector.apiKey'))).toBe(apiKey);
      await expect(page.getByLabel('API key').inputValue()).resolves.toBe('');

      await assembleIn(page, CONVERSATION, { maxTokens: 4000 });
      const wide = await expectShownToEqualReport(page, { maxTokens: 4000 });
      // The seed is long enough that every history section is in play.
      expect(wide.sections.recent.tokens).toBeGreaterThan(0);
      expect(wide.sections.summary.tokens).toBeGreaterThan(0);
      expect(wide.sections.recall.tokens).toBeGreaterThan(0);
      expect(wide.sections.memories.tokens).toBeGreaterThan(0);
      expect(wide.sections.current.tokens).toBeGreaterThan(0);

      // A model's context window as the budget: the whole history fits, so no summary is needed.
      await assembleIn(page, CONVERSATION, { model: 'gpt-4o' });
      const whole = await expectShownToEqualReport(page, { model: 'gpt-4o' });
      expect(whole.budget.reserveOutput).toBe(4096);
      expect(whole.summary.status).toBe('skipped');
      expect(whole.window.fromSeq).toBe(1);

      const system = 'You are a travel assistant. Answer briefly and name the turn you rely on.';
      await assembleIn(page, CONVERSATION, { maxTokens: 1500 }, system);
      const narrow = await expectShownToEqualReport(page, { maxTokens: 1500 }, system);
      expect(narrow.sections.system.tokens).toBeGreaterThan(0);
      await expect(page.locator('#section-system pre.content').textContent()).resolves.toBe(system);
      expect(narrow.totalTokens).toBeLessThan(wide.totalTokens);
      expect(narrow.totalTokens).toBeLessThanOrEqual(1500);
      expect(narrow.dropped.length).toBeGreaterThan(0);

      // A recalled excerpt links to its message: the message view loads it from the API.
      const firstRecalled = narrow.recall[0]!.seqs[0]!;
      await page.locator('#section-recall a.message-link').first().click();
      const target = page.locator('#message-view li.message[data-target="true"]');
      await target.waitFor({ timeout: 10_000 });
      await expect(target.getAttribute('data-seq')).resolves.toBe(String(firstRecalled));
      const [stored] = (await api<{ items: Array<{ seq: number; content: string }> }>('GET', `/v1/conversations/${CONVERSATION}/messages?afterSeq=${firstRecalled - 1}&limit=1`)).items;
      await expect(target.locator('pre.content').textContent()).resolves.toBe(stored!.content);
      await page.getByRole('button', { name: 'Close' }).click();

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}/inspector.png`, fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(`${ARTIFACTS}/inspector.png`, `${ROOT}docs/inspector.png`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should show hostile conversation content as text and run none of it', async () => {
    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    try {
      await openWithKey(page);
      await assembleIn(page, XSS_CONVERSATION, { maxTokens: 600 });
      const { report } = await api<ContextResult>('POST', `/v1/conversations/${XSS_CONVERSATION}/context`, { budget: { maxTokens: 600 } });
      expect(report.sections.summary.tokens).toBeGreaterThan(0);
      // Let any injected handler (an <img onerror> fires on load failure) have its chance.
      await page.waitForTimeout(500);
      const probe = await page.evaluate(() => ({
        xss: (window as unknown as { __xss?: string }).__xss,
        images: document.querySelectorAll('img').length,
        scripts: Array.from(document.querySelectorAll('script')).map((script) => script.getAttribute('type') ?? 'js'),
        current: document.querySelector('#section-current pre.content')?.textContent,
        summary: document.querySelector('#section-summary pre.content')?.textContent,
        option: Array.from(document.querySelectorAll('#conversation option')).map((option) => option.textContent).find((text) => text?.startsWith('Probe')),
      }));
      expect(probe.xss).toBeUndefined();
      expect(probe.images).toBe(0);
      expect(probe.scripts).toEqual(['application/json', 'js']);
      expect(dialogs).toEqual([]);
      // Shown verbatim, as text.
      expect(probe.current).toBe(`${XSS_TEXT} now`);
      expect(probe.summary).toContain(`Summary ${XSS_TEXT}`);
      expect(probe.option).toContain(XSS_TEXT);
      expect(await page.locator('#section-recent li.message pre.content').first().textContent()).toContain(XSS_TEXT);
    } finally {
      await page.close();
    }
  }, 60_000);

  it.skipIf(!hasChromium)('should take a key passed once in the URL fragment, keep it for the tab and clear it from the address bar; show the errors the API answers', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(`${baseUrl}/inspect#key=${encodeURIComponent(apiKey)}`);
      await page.locator(`#conversation option[value="${CONVERSATION}"]`).waitFor({ state: 'attached', timeout: 10_000 });
      expect(new URL(page.url()).hash).toBe('');
      expect(await page.evaluate(() => sessionStorage.getItem('llm-context.inspector.apiKey'))).toBe(apiKey);
      await expect(page.locator('#key-state').getAttribute('data-has-key')).resolves.toBe('true');

      // A budget too small for the current turn: the API's problem is shown, with its code.
      await page.selectOption('#conversation', CONVERSATION);
      await page.locator('#status[data-status="ready"]').waitFor({ timeout: 30_000 });
      await page.getByLabel('Budget (max tokens)').fill('10');
      await page.getByRole('button', { name: 'Assemble' }).click();
      await page.locator('#status[data-status="error"]').waitFor({ timeout: 30_000 });
      await expect(page.locator('#status').textContent()).resolves.toMatch(/^422 .*\[budget_too_small\]$/);
    } finally {
      await page.close();
    }
  }, 60_000);

  it.skipIf(!hasChromium)('should say so when the key is refused, and show no data', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(`${baseUrl}/inspect`);
      await page.getByLabel('API key').fill('not-a-key');
      await page.getByRole('button', { name: 'Use key' }).click();
      await page.locator('#status[data-status="error"]').waitFor({ timeout: 10_000 });
      await expect(page.locator('#status').textContent()).resolves.toMatch(/^401 .*check the API key/);
      expect(await page.locator('#conversation option').count()).toBe(0);
    } finally {
      await page.close();
    }
  }, 60_000);
});

describe('llm-context serve', () => {
  it('should print the inspector URL, and serve the page there without a key', async () => {
    const serve = await startServe({ args: ['--memory'] });
    try {
      const url = /Inspector: (http:\/\/\S+)/.exec(serve.output())?.[1];
      expect(url).toBe(`${serve.url}/inspect`);
      const response = await fetch(url!);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'nonce-");
      expect(await response.text()).toContain('<title>llm-context inspector</title>');
      // The data behind it still needs a key.
      expect((await fetch(`${serve.url}/v1/conversations`)).status).toBe(401);
    } finally {
      await serve.stop();
    }
  }, 90_000);
});
