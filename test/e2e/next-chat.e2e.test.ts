import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * End-to-end: builds and starts examples/next-chat (offline mock model), drives Debian's Chromium
 * headless through two turns, reloads, and checks both turns and replies came back from the store.
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

if (!hasChromium && process.env.CI) {
  throw new Error(`[e2e] Chromium is required in CI but ${CHROMIUM} does not exist: install it with "apt-get install -y chromium" (.ci/run does).`);
}

describe('next-chat example', () => {
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let baseUrl = '';
  let port = 0;
  let chatUrl = '';
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

      await sendAndWait(page, 'Hello from the browser', 1);
      await sendAndWait(page, 'And a second message', 2);

      await page.reload();
      await page.locator('li[data-role]').nth(3).waitFor();
      const turns = await page.locator('li[data-role]').evaluateAll((items) => items.map((item) => [item.getAttribute('data-role'), item.textContent ?? '']));
      expect(page.url()).toBe(chatUrl);
      expect(turns.map(([role]) => role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(turns[0]?.[1]).toContain('Hello from the browser');
      expect(turns[1]?.[1]).toContain('You said "Hello from the browser"');
      expect(turns[2]?.[1]).toContain('And a second message');
      expect(turns[3]?.[1]).toContain('You said "And a second message"');
      // The second call was sent the assembled history (instructions + first turn + reply + new turn), not just the last message.
      expect(turns[3]?.[1]).toMatch(/I was sent ([4-9]|\d{2,}) messages/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}/next-chat.png`, fullPage: true });
    } catch (error) {
      throw new Error(`${String(error)}\n--- next start log ---\n${serverLog.join('').slice(-4000)}`);
    } finally {
      await page.close();
    }
  }, 120_000);

  it.skipIf(!hasChromium)('should still show the chat after the server restarts (stored in PGlite, not in memory)', async () => {
    expect(chatUrl).not.toBe('');
    await stopServer(server);
    server = await startServer();
    const page = await browser!.newPage();
    try {
      await page.goto(chatUrl, { timeout: COLD_START_MS });
      await page.locator('li[data-role]').nth(3).waitFor({ timeout: 30_000 });
      const texts = await page.locator('li[data-role]').allTextContents();
      expect(texts).toHaveLength(4);
      expect(texts[3]).toContain('You said "And a second message"');
    } catch (error) {
      throw new Error(`${String(error)}\n--- next start log ---\n${serverLog.join('').slice(-4000)}`);
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

async function sendAndWait(page: Page, text: string, turn: number): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('li[data-role="assistant"]').nth(turn - 1).filter({ hasText: 'messages.' }).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="status"][data-status="ready"]').waitFor({ timeout: 30_000 });
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
