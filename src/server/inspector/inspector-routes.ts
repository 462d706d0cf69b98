import { Hono } from 'hono';
import { renderInspectorPage } from './render-page.js';

export interface InspectorRoutesOptions {
  /** Where the API lives, as the browser should call it. @default '/v1' */
  readonly apiBase?: string;
  /** Initial budget in the page's form, in tokens. @default 4000 */
  readonly defaultMaxTokens?: number;
}

/** 128 random bits, base64: a fresh CSP nonce per response (Web Crypto, so no `node:` import). */
function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The web inspector (`GET /inspect`): one HTML page that lists the key's conversations and shows
 * the assembled context of one under a chosen budget, section by section. The page itself holds no
 * data and needs no key; every data call it makes goes to the API with the key entered on the page.
 *
 * Served with a strict Content-Security-Policy: scripts and styles only with this response's nonce,
 * network calls to the same origin only, no framing, no forms posted anywhere — so even a value that
 * escaped the page's text-only rendering could not run or exfiltrate.
 *
 * @example
 * ```ts
 * app.route('/inspect', inspectorRoutes());
 * ```
 */
export function inspectorRoutes(options: InspectorRoutesOptions = {}): Hono {
  const app = new Hono();
  app.get('/', (context) => {
    const nonce = createNonce();
    const html = renderInspectorPage({ nonce, ...options });
    context.header('Content-Security-Policy', [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '));
    context.header('X-Content-Type-Options', 'nosniff');
    context.header('Referrer-Policy', 'no-referrer');
    context.header('Cache-Control', 'no-store');
    return context.html(html);
  });
  return app;
}
