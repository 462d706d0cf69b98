import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { createEmbeddedStore } from '../../src/stores/embedded/index.js';
import { defaultScope } from '../../src/types.js';

/**
 * End-to-end: builds and starts examples/next-chat (offline mock model, `useChat` from
 * `@ai-sdk/react` on the page), drives Debian's Chromium headless through two turns and a reload,
 * a regenerate, a retry after a dropped connection, and a tool approval (approved and denied), then
 * reads the PGlite data directory itself to check what was stored. The mock model's reply names how
 * many messages it was sent and whose turn ended the prompt, so the page shows what the model saw.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APP = `${ROOT}examples/next-chat`;
const NEXT_BIN = `${ROOT}node_modules/next/dist/bin/next`;
const TSC_BIN = `${ROOT}node_modules/typescript/bin/tsc`;
const ARTIFACTS = `${ROOT}test-artifacts`;
const hasChromium = existsSync(CHROMIUM);
/** A navigation that makes a fresh server open its store. */
const COLD_START_MS = 90_000;
/** One streamed reply of the mock model (a few hundred ms) on a busy 2-core machine. */
const REPLY_MS = 30_000;

if (!hasChromium && process.env.CI) {
  throw new Error(`[e2e] Chromium is required in CI but ${CHROMIUM} does not exist: install it with "apt-get install -y chromium" (.ci/run does).`);
}

describe('next-chat example', () => {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let baseUrl = '';
  let port = 0;
  let chatUrl = '';
  /** Conversation id → the stored roles the tests expect (checked against the data directory at the end). */
  const expectedRoles = new Map<string, string[]>();
  const serverLog: string[] = [];
  // A fresh PGlite data directory per run, so the chat starts empty and the test is repeatable.
  const dataDir = mkdtempSync(`${tmpdir()}/next-chat-e2e-`);

  async function startServer(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [NEXT_BIN, 'start', APP, '--port', String(port), '--hostname', '127.0.0.1'], {
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', AI_GATEWAY_API_KEY: '', CHAT_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (chunk: Buffer) => serverLog.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => serverLog.push(chunk.toString()));
    await waitForHttp(`${baseUrl}/`, 60_000);
    return child;
  }

  async function openNewChat(): Promise<Page> {
    const page = await browser!.newPage();
    await page.goto(`${baseUrl}/`, { timeout: COLD_START_MS });
    await page.waitForURL(/\/chat\/[^/]+$/);
    return page;
  }

  function withServerLog(error: unknown): Error {
    return new Error(`${String(error)}\n--- next start log ---\n${serverLog.join('').slice(-4000)}`);
  }

  beforeAll(async () => {
    // webpack, not Turbopack: only webpack maps the library's NodeNext `./x.js` specifiers to `./x.ts` (next.config.ts).
    await run(process.execPath, [NEXT_BIN, 'build', '--webpack', APP], 240_000);
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = await startServer();
    if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 330_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  // After the build: next-env.d.ts imports the route types the build generates.
  it('should type-check with its own tsconfig', async () => {
    await run(process.execPath, [TSC_BIN, '--noEmit', '-p', `${APP}/tsconfig.json`], 120_000);
  }, 130_000);

  it.skipIf(!hasChromium)(`should keep both turns and both replies across a page reload in Chromium${hasChromium ? '' : ` (skipped: no ${CHROMIUM}; apt-get install -y chromium)`}`, async () => {
    const page = await browser!.newPage();
    try {
      // The first page opens the PGlite data directory (WASM start and migrations: ~15 s on a busy 2-core machine).
      await page.goto(`${baseUrl}/`, { timeout: COLD_START_MS });
      await page.waitForURL(/\/chat\/[^/]+$/);
      chatUrl = page.url();

      await sendAndWait(page, 'Hello from the browser');
      await sendAndWait(page, 'And a second message');

      await page.reload();
      await page.locator('li[data-role]').nth(3).waitFor();
      const turns = await shownTurns(page);
      expect(page.url()).toBe(chatUrl);
      expect(turns.map(({ role }) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(turns[0]?.text).toContain('Hello from the browser');
      expect(turns[1]?.text).toContain('You said "Hello from the browser"');
      expect(turns[2]?.text).toContain('And a second message');
      expect(turns[3]?.text).toContain('You said "And a second message"');
      // The second call was sent the assembled history (instructions + first turn + reply + new turn), not just the last message.
      expect(turns[3]?.text).toContain('I was sent 4 messages; the last was from the user.');
      expectedRoles.set(chatId(chatUrl), ['user', 'assistant', 'user', 'assistant']);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}/next-chat.png`, fullPage: true });
    } catch (error) {
      throw withServerLog(error);
    } finally {
      await page.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should regenerate the last reply in place: the prompt ends with the user turn and the chat stays user, assistant', async () => {
    const page = await openNewChat();
    try {
      await sendAndWait(page, 'First question');
      await sendAndWait(page, 'Second question');
      const [, , , old] = await shownTurns(page);

      await page.getByRole('button', { name: 'Regenerate' }).click();
      await waitForReply(page, [old!.id]);
      const turns = await shownTurns(page);
      expect(turns.map(({ role }) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(turns[3]?.id).not.toBe(old!.id);
      // Without the old reply removed the model would be sent 5 messages ending with its own reply.
      expect(turns[3]?.text).toContain('You said "Second question". I was sent 4 messages; the last was from the user.');

      await page.reload();
      await page.locator('li[data-role]').nth(3).waitFor();
      expect(await shownTurns(page)).toEqual(turns);
      expectedRoles.set(chatId(page.url()), ['user', 'assistant', 'user', 'assistant']);
    } catch (error) {
      throw withServerLog(error);
    } finally {
      await page.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should answer a retried user message (same id) once, whether resent by Retry or by the same request again', async () => {
    const page = await openNewChat();
    try {
      await sendAndWait(page, 'Hello');
      // The connection drops after the server has stored the turn and its reply: the page shows an error.
      let dropped: string | null = null;
      await page.route(
        '**/api/chat',
        async (route) => {
          dropped = route.request().postData();
          await route.fetch();
          await route.abort('connectionreset');
        },
        { times: 1 },
      );
      await page.getByLabel('Message').fill('Are you there?');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('[data-testid="status"][data-status="error"]').waitFor({ timeout: REPLY_MS });
      const failed = await shownTurns(page);
      expect(failed.map(({ role }) => role)).toEqual(['user', 'assistant', 'user']);

      await page.getByRole('button', { name: 'Retry' }).click();
      await waitForReply(page, failed.map(({ id }) => id));
      const turns = await shownTurns(page);
      expect(turns.map(({ role }) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(turns[3]?.text).toContain('You said "Are you there?". I was sent 4 messages; the last was from the user.');

      // A client that resends the dropped request as it was (same message id, `submit-message`).
      expect(JSON.parse(dropped!)).toMatchObject({ id: chatId(page.url()), message: { id: turns[2]!.id, role: 'user' } });
      const resent = await page.request.post(`${baseUrl}/api/chat`, { data: JSON.parse(dropped!), timeout: REPLY_MS });
      expect(resent.status()).toBe(200);
      expect(await resent.text()).toContain('"type":"finish"');

      await page.reload();
      await page.locator('li[data-role]').nth(3).waitFor();
      const reloaded = await shownTurns(page);
      expect(reloaded.map(({ role }) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      // The resent request was answered again, in place of the reply the Retry produced.
      expect(reloaded[3]?.id).not.toBe(turns[3]?.id);
      expect(reloaded[3]?.text).toContain('You said "Are you there?". I was sent 4 messages; the last was from the user.');
      expectedRoles.set(chatId(page.url()), ['user', 'assistant', 'user', 'assistant']);
    } catch (error) {
      throw withServerLog(error);
    } finally {
      await page.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should run a tool only when approved, continuing the same assistant turn', async () => {
    const page = await openNewChat();
    try {
      await page.getByLabel('Message').fill('Remember that I like green tea');
      await page.getByRole('button', { name: 'Send' }).click();
      const tool = page.locator('[data-testid="tool"][data-tool="remember"]');
      await tool.and(page.locator('[data-state="approval-requested"]')).waitFor({ timeout: REPLY_MS });
      await page.locator('[data-testid="status"][data-status="ready"]').waitFor({ timeout: REPLY_MS });
      const [, asked] = await shownTurns(page);
      expect(asked?.text).toContain('remember({"fact":"I like green tea"})');
      await expect(page.getByRole('button', { name: 'Deny' }).isVisible()).resolves.toBe(true);

      await page.getByRole('button', { name: 'Approve' }).click();
      await tool.and(page.locator('[data-state="output-available"]')).waitFor({ timeout: REPLY_MS });
      await page.locator('li[data-role="assistant"]').filter({ hasText: 'Saved to memory' }).waitFor({ timeout: REPLY_MS });
      await page.locator('[data-testid="status"][data-status="ready"]').waitFor({ timeout: REPLY_MS });
      const approved = await shownTurns(page);
      // The continuation streamed onto the reply that asked (same id), not into a new message.
      expect(approved.map(({ role, id }) => [role, id])).toEqual([
        ['user', approved[0]!.id],
        ['assistant', asked!.id],
      ]);

      await page.getByLabel('Message').fill('Remember that I dislike coffee');
      await page.getByRole('button', { name: 'Send' }).click();
      await tool.nth(1).and(page.locator('[data-state="approval-requested"]')).waitFor({ timeout: REPLY_MS });
      await page.getByRole('button', { name: 'Deny' }).click();
      await tool.nth(1).and(page.locator('[data-state="output-denied"]')).waitFor({ timeout: REPLY_MS });
      await page.locator('li[data-role="assistant"]').filter({ hasText: 'I did not save it' }).waitFor({ timeout: REPLY_MS });
      await page.locator('[data-testid="status"][data-status="ready"]').waitFor({ timeout: REPLY_MS });
      const answered = await shownTurns(page);

      await page.reload();
      await page.locator('li[data-role]').nth(3).waitFor();
      expect(await shownTurns(page)).toEqual(answered);
      expect(await tool.evaluateAll((parts) => parts.map((part) => part.getAttribute('data-state')))).toEqual(['output-available', 'output-denied']);
      // Each reply: the tool call step, the tool's result (or the denial), the step that answered it.
      expectedRoles.set(chatId(page.url()), ['user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant']);
    } catch (error) {
      throw withServerLog(error);
    } finally {
      await page.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should have stored exactly what the page showed (read from the data directory with the server stopped)', async () => {
    expect(expectedRoles.size).toBe(4);
    await stopServer(server);
    const store = await createEmbeddedStore({ dataDir });
    try {
      const manager = new ContextManager({ store });
      const scope = defaultScope();
      for (const [conversationId, roles] of expectedRoles) {
        const stored = await manager.listMessages(conversationId, { scope, limit: 100 });
        expect({ conversationId, roles: stored.map((message) => message.role) }).toEqual({ conversationId, roles });
      }
      const memories = await manager.memories.list({ scope, pinned: true });
      expect(memories.items.map((memory) => memory.text)).toEqual(['I like green tea']);
    } finally {
      await store.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should still show the chat after the server restarts (stored in PGlite, not in memory)', async () => {
    expect(chatUrl).not.toBe('');
    server = await startServer();
    const page = await browser!.newPage();
    try {
      await page.goto(chatUrl, { timeout: COLD_START_MS });
      await page.locator('li[data-role]').nth(3).waitFor({ timeout: REPLY_MS });
      const texts = await page.locator('li[data-role]').allTextContents();
      expect(texts).toHaveLength(4);
      expect(texts[3]).toContain('You said "And a second message"');
    } catch (error) {
      throw withServerLog(error);
    } finally {
      await page.close();
    }
  }, 120_000);
});

/** Stops a server started in its own process group (so the signal reaches Next's workers too) and waits for it to exit. */
async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
}

/** The chat as the page shows it: role, message id and text of each message. */
function shownTurns(page: Page): Promise<{ role: string; id: string; text: string }[]> {
  return page.locator('li[data-role]').evaluateAll((items) => items.map((item) => ({ role: item.getAttribute('data-role') ?? '', id: item.getAttribute('data-id') ?? '', text: item.textContent ?? '' })));
}

function chatId(url: string): string {
  return new URL(url).pathname.split('/').at(-1)!;
}

/** Sends a message and waits until its reply has streamed to the end. */
async function sendAndWait(page: Page, text: string): Promise<void> {
  const before = (await shownTurns(page)).map(({ id }) => id);
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await waitForReply(page, before);
}

/** Waits until the last message is an assistant reply whose id is not in `known` and `useChat` is ready again. */
async function waitForReply(page: Page, known: readonly string[]): Promise<void> {
  await page.waitForFunction(
    (ids) => {
      const items = document.querySelectorAll('li[data-role]');
      const last = items[items.length - 1];
      const status = document.querySelector('[data-testid="status"]')?.getAttribute('data-status');
      return last?.getAttribute('data-role') === 'assistant' && !ids.includes(last.getAttribute('data-id') ?? '') && status === 'ready';
    },
    known,
    { timeout: REPLY_MS },
  );
}

function run(command: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`[e2e] ${args.join(' ')} timed out after ${timeoutMs} ms\n${output.slice(-4000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`[e2e] ${args.join(' ')} exited with ${code}\n${output.slice(-4000)}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`[e2e] ${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
