import { SECTION_ORDER } from '../../assemble/report.js';
import { INSPECTOR_SCRIPT } from './client-script.js';
import { escapeHtml } from './escape-html.js';
import { SECTION_COLORS, SECTION_DESCRIPTIONS } from './section-colors.js';
import { INSPECTOR_STYLES } from './styles.js';

export interface RenderInspectorPageOptions {
  /** The CSP nonce of this response: the page's one `<script>` and `<style>` carry it. */
  readonly nonce: string;
  /** Where the API lives, as the browser should call it (no trailing slash). @default '/v1' */
  readonly apiBase?: string;
  /** Initial budget in the form, in tokens. @default 4000 */
  readonly defaultMaxTokens?: number;
}

/**
 * JSON for a `<script type="application/json">` block: `<` is escaped as `\u003c` so no value can
 * close the element (`</script>`) or open a comment; U+2028/2029 are escaped for old parsers.
 */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The inspector page: a server-rendered shell (form, empty result regions) plus an inline script
 * that calls the API with the key entered on the page. The shell holds no user data; everything
 * from the API is added by the script as text nodes.
 * @returns a complete HTML5 document.
 */
export function renderInspectorPage(options: RenderInspectorPageOptions): string {
  const nonce = escapeHtml(options.nonce);
  const config = { apiBase: options.apiBase ?? '/v1', sectionOrder: SECTION_ORDER, colors: SECTION_COLORS, descriptions: SECTION_DESCRIPTIONS };
  const maxTokens = options.defaultMaxTokens ?? 4000;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>llm-context inspector</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${INSPECTOR_STYLES}</style>
</head>
<body>
<header class="top">
  <h1>llm-context inspector</h1>
  <p class="muted">What goes into the next prompt of a conversation under a token budget: <code>POST /v1/conversations/{id}/context</code>, shown by section.</p>
</header>
<main>
  <div class="controls">
    <form id="key-form" autocomplete="off">
      <label class="field"><span>API key</span><input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="paste a key"></label>
      <label class="field"><span>User (tenant-wide keys only, optional)</span><input id="user-id" name="user-id" type="text" autocomplete="off" spellcheck="false"></label>
      <button type="submit" id="use-key">Use key</button>
      <button type="button" id="forget-key">Forget</button>
      <span id="key-state" class="muted" data-has-key="false">no key</span>
    </form>
    <form id="assemble-form" autocomplete="off">
      <label class="field"><span>Conversation</span><select id="conversation" name="conversation"></select></label>
      <label class="field"><span>Budget (max tokens)</span><input id="max-tokens" name="max-tokens" type="number" min="1" step="1" value="${escapeHtml(String(maxTokens))}"></label>
      <label class="field"><span>or Model (its context window, 4,096 reserved)</span><input id="model" name="model" type="text" spellcheck="false" placeholder="gpt-4o"></label>
      <label class="field"><span>Reserved for the reply (tokens)</span><input id="reserve-output" name="reserve-output" type="number" min="0" step="1" placeholder="0"></label>
      <label class="field"><span>Query (default: the current user turn)</span><input id="query" name="query" type="text"></label>
      <label class="field"><span>System prompt</span><textarea id="system" name="system" rows="2"></textarea></label>
      <button type="submit" id="assemble">Assemble</button>
    </form>
  </div>
  <p id="status" role="status" aria-live="polite" data-status="idle"></p>
  <section id="result" hidden>
    <h2>Budget</h2>
    <p id="totals"></p>
    <div id="budget-bar" class="bar" role="img" aria-label="Budget split"></div>
    <ul id="legend" class="legend"></ul>
    <h2>Sections</h2>
    <div id="sections"></div>
    <div class="details">
      <section id="window"></section>
      <section id="summary"></section>
      <section id="memories"></section>
      <section id="notes"></section>
    </div>
    <section id="dropped"></section>
  </section>
  <aside id="message-view" hidden>
    <header><h2 id="message-view-title">Message</h2><button type="button" id="close-message-view">Close</button></header>
    <div id="message-view-body"></div>
  </aside>
</main>
<script type="application/json" id="inspector-config">${jsonForScript(config)}</script>
<script nonce="${nonce}">${INSPECTOR_SCRIPT}</script>
</body>
</html>
`;
}
