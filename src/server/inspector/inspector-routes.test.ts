import { describe, expect, it } from 'vitest';
import { inspectorRoutes } from './inspector-routes.js';
import { renderInspectorPage } from './render-page.js';
import { INSPECTOR_SCRIPT } from './client-script.js';
import { escapeHtml } from './escape-html.js';

describe('inspectorRoutes', () => {
  it('should serve the page with a nonce-only Content-Security-Policy whose nonce the script and style carry', async () => {
    const response = await inspectorRoutes().request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    // Every executable script carries the nonce; the config block is data (type application/json).
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual([expect.stringContaining('type="application/json"'), `<script nonce="${nonce}">`]);
  });

  it('should use a fresh nonce per response', async () => {
    const app = inspectorRoutes();
    const first = (await app.request('/')).headers.get('content-security-policy');
    const second = (await app.request('/')).headers.get('content-security-policy');
    expect(first).not.toBe(second);
  });

  it('should answer with no-store, nosniff and no-referrer headers', async () => {
    const response = await inspectorRoutes().request('/');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('renderInspectorPage', () => {
  it('should embed its config so that no value can close the script element', () => {
    const html = renderInspectorPage({ nonce: 'n', apiBase: '/v1</script><script>alert(1)</script>' });
    const config = /<script type="application\/json" id="inspector-config">([^<]*)<\/script>/.exec(html)?.[1];
    expect(config).toBeDefined();
    expect(JSON.parse(config!).apiBase).toBe('/v1</script><script>alert(1)</script>');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('should escape the nonce and the default budget it writes into attributes', () => {
    const html = renderInspectorPage({ nonce: '"><b>', defaultMaxTokens: 1234 });
    expect(html).not.toContain('"><b>');
    expect(html).toContain('value="1234"');
  });
});

describe('INSPECTOR_SCRIPT', () => {
  it('should never parse data as HTML (no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval)', () => {
    expect(INSPECTOR_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  });

  it('should parse as JavaScript', () => {
    expect(() => new Function(INSPECTOR_SCRIPT)).not.toThrow();
  });
});

describe('escapeHtml', () => {
  it('should turn every markup character into an entity', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });
});
