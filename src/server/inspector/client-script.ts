/**
 * The inspector's browser script, inlined into the page (no bundle, no build step, no CDN: the page
 * works offline). Plain ES2020 in a string so that no bundler or test transform (tsx `keepNames`,
 * coverage instrumentation) can rewrite it; it is exercised in Chromium by test/e2e/inspector.e2e.test.ts.
 *
 * Safety: conversation content is untrusted. The script never assigns `innerHTML`/`outerHTML` nor calls
 * `insertAdjacentHTML`/`document.write`: every value enters the DOM through `textContent`, `value` or
 * `setAttribute` on a non-event attribute, and URLs it builds encode ids with `encodeURIComponent`.
 * The page's CSP (nonce-only scripts) is the second line of defence.
 *
 * The API key is kept in `sessionStorage` (gone when the tab closes) and sent as
 * `Authorization: Bearer <key>`; a key passed once in the URL fragment (`#key=…`, never sent to the
 * server nor logged) is moved into `sessionStorage` and removed from the address bar.
 */
export const INSPECTOR_SCRIPT = String.raw`
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('inspector-config').textContent);
  var ORDER = config.sectionOrder;
  var COLORS = config.colors;
  var DESCRIPTIONS = config.descriptions;
  var API = config.apiBase;
  var KEY_STORAGE = 'llm-context.inspector.apiKey';
  var USER_STORAGE = 'llm-context.inspector.userId';
  var USER_HEADER = 'X-LLM-Context-User';
  var OPEN_LIST_MAX = 8;
  var MAX_CONVERSATION_PAGES = 20;
  var MESSAGE_PAGE = 1000; // the messages route's largest page
  var DROP_REASONS = {
    'budget': 'did not fit the token budget',
    'too-large': 'larger than the whole window on its own',
    'orphan-tool-result': 'a tool result whose tool call is outside the window',
    'unanswered-tool-call': 'a tool call whose result is missing',
    'start-on-user': 'the window must start on a user turn',
    'cap': 'over the section\'s cap',
    'already-in-window': 'recalled, but already in the recent window'
  };
  var HEADERS = {
    memories: 'Long-term memory (facts remembered about the user and earlier conversations):',
    summary: 'Summary of the earlier conversation (messages up to #',
    recall: 'Relevant excerpts from earlier in the conversation (verbatim, oldest first):'
  };

  function $(id) { return document.getElementById(id); }

  /** Creates an element with text content (never HTML) and attributes. */
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    if (attributes) {
      Object.keys(attributes).forEach(function (name) {
        var value = attributes[name];
        if (value === undefined || value === null || value === false) return;
        if (/^on/i.test(name)) throw new Error('event attributes are not allowed: ' + name);
        node.setAttribute(name, String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function formatInt(value) { return Number(value).toLocaleString('en-US'); }

  function plural(count, word) { return formatInt(count) + ' ' + word + (count === 1 ? '' : 's'); }

  function percent(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + '%' : '-'; }

  function setStatus(state, text) {
    var status = $('status');
    status.setAttribute('data-status', state);
    status.textContent = text;
  }

  // ---- API key --------------------------------------------------------------------------------

  function takeKeyFromFragment() {
    var match = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
    if (!match) return;
    try { sessionStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1])); } catch (error) { /* storage disabled */ }
    history.replaceState(null, '', location.pathname + location.search);
  }

  function apiKey() {
    try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch (error) { return ''; }
  }

  function userId() {
    try { return sessionStorage.getItem(USER_STORAGE) || ''; } catch (error) { return ''; }
  }

  function showKeyState() {
    var has = apiKey().length > 0;
    $('key-state').textContent = has ? 'key set for this tab' + (userId() ? ', acting for user ' + userId() : '') : 'no key';
    $('key-state').setAttribute('data-has-key', has ? 'true' : 'false');
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  /** Calls the API with the key; throws an Error whose message is the problem+json title/detail. */
  function api(method, path, body) {
    var init = { method: method, headers: { 'Accept': 'application/json', 'Authorization': 'Bearer ' + apiKey() }, credentials: 'omit', cache: 'no-store' };
    if (userId()) init.headers[USER_HEADER] = userId();
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (error) { json = null; }
        if (!response.ok) {
          var detail = json && (json.detail || json.title || json.message) ? (json.detail || json.title || json.message) : response.statusText;
          var code = json && json.code ? ' [' + json.code + ']' : '';
          var error = new Error(response.status + ' ' + detail + code + (response.status === 401 ? ' (check the API key)' : ''));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  /** The items of a page, whatever the route names its list. */
  function itemsOf(body, name) {
    if (!body) return [];
    if (Array.isArray(body)) return body;
    return body.items || body[name] || body.data || [];
  }

  function conversationPath(id) { return '/conversations/' + encodeURIComponent(id); }

  function loadConversations() {
    var select = $('conversation');
    var wanted = new URLSearchParams(location.search).get('conversation') || select.value;
    var all = [];
    function page(cursor, count) {
      return api('GET', '/conversations?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '')).then(function (body) {
        all = all.concat(itemsOf(body, 'conversations'));
        if (body && body.nextCursor && count + 1 < MAX_CONVERSATION_PAGES) return page(body.nextCursor, count + 1);
        return body && body.nextCursor ? 'more' : 'all';
      });
    }
    setStatus('loading', 'Loading conversations…');
    return page(undefined, 0).then(function (complete) {
      clear(select);
      select.appendChild(el('option', { value: '' }, [all.length === 0 ? '(no conversations for this key)' : '— pick a conversation —']));
      all.forEach(function (conversation) {
        var label = (conversation.title ? conversation.title + ' — ' : '') + conversation.id +
          (typeof conversation.messageCount === 'number' ? ' (' + formatInt(conversation.messageCount) + ' messages)' : '');
        select.appendChild(el('option', { value: conversation.id }, [label]));
      });
      if (wanted && all.some(function (conversation) { return conversation.id === wanted; })) select.value = wanted;
      setStatus('idle', formatInt(all.length) + ' conversations' + (complete === 'more' ? ' (first ' + MAX_CONVERSATION_PAGES + ' pages)' : ''));
      if (select.value) return assemble();
    });
  }

  /** Messages with seq in [fromSeq, toSeq], one request (a window longer than MESSAGE_PAGE shows its first MESSAGE_PAGE with seqs). */
  function loadMessages(conversationId, fromSeq, toSeq) {
    var limit = Math.max(1, Math.min(MESSAGE_PAGE, toSeq - fromSeq + 1));
    var query = '?order=asc&afterSeq=' + (fromSeq - 1) + '&limit=' + limit;
    return api('GET', conversationPath(conversationId) + '/messages' + query).then(function (body) {
      return itemsOf(body, 'messages').filter(function (message) { return message.seq >= fromSeq && message.seq <= toSeq; });
    });
  }

  // ---- Rendering helpers ----------------------------------------------------------------------

  /** The readable text of a message: text parts verbatim, tool calls and results in brackets. */
  function messageText(content) {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return JSON.stringify(content);
    return content.map(function (part) {
      switch (part && part.type) {
        case 'text': return part.text;
        case 'reasoning': return '';
        case 'file': return '[file ' + (part.filename || part.url || '') + ']';
        case 'tool-call': return '[tool call ' + part.toolName + ' ' + JSON.stringify(part.input) + ']';
        case 'tool-result': return '[tool result ' + part.toolName + ': ' + (typeof part.output === 'string' ? part.output : JSON.stringify(part.output)) + ']';
        default: return JSON.stringify(part);
      }
    }).filter(function (text) { return text.length > 0; }).join(' ');
  }

  /**
   * Splits the composed leading system message into its blocks (system prompt, memories, summary,
   * recall), by the fixed headers the assembler writes (src/assemble/system-blocks.ts), in order.
   */
  function splitSystem(text, sections) {
    var parts = {};
    if (typeof text !== 'string') return parts;
    var present = ['memories', 'summary', 'recall'].filter(function (name) { return sections[name].items > 0 || sections[name].tokens > 0; });
    var starts = [];
    var from = 0;
    present.forEach(function (name) {
      // A block starts the text only when it is the first block and there is no system prompt;
      // otherwise it follows the blank-line separator the assembler puts between blocks.
      var at = starts.length === 0 && sections.system.items === 0 && text.indexOf(HEADERS[name]) === 0 ? 0 : text.indexOf('\n\n' + HEADERS[name], from);
      if (at === -1) return;
      starts.push({ name: name, at: at });
      from = at + 2;
    });
    var systemEnd = starts.length > 0 ? starts[0].at : text.length;
    if (sections.system.items > 0) parts.system = text.slice(0, systemEnd);
    starts.forEach(function (start, index) {
      var end = index + 1 < starts.length ? starts[index + 1].at : text.length;
      parts[start.name] = text.slice(start.at, end).replace(/^\n\n/, '');
    });
    return parts;
  }

  function messageLink(conversationId, seq, label) {
    var link = el('a', { href: '#message-' + encodeURIComponent(conversationId) + '-' + seq, 'data-conversation': conversationId, 'data-seq': seq, 'class': 'message-link' }, [label || ('#' + seq)]);
    link.addEventListener('click', function (event) {
      event.preventDefault();
      showMessages(conversationId, seq);
    });
    return link;
  }

  function messageItem(message, encoding, conversationId) {
    var tokens = message.tokenCounts && typeof message.tokenCounts[encoding] === 'number' ? message.tokenCounts[encoding] : undefined;
    return el('li', { 'class': 'message', 'data-role': message.role, 'data-seq': message.seq, id: 'seq-' + message.seq }, [
      el('div', { 'class': 'message-head' }, [
        message.seq !== undefined ? messageLink(conversationId, message.seq) : null,
        el('span', { 'class': 'role' }, [message.role + (message.name ? ':' + message.name : '')]),
        tokens !== undefined ? el('span', { 'class': 'muted' }, [formatInt(tokens) + ' tokens']) : null
      ]),
      el('pre', { 'class': 'content' }, [messageText(message.content)])
    ]);
  }

  // ---- The linked message view ----------------------------------------------------------------

  function showMessages(conversationId, seq) {
    var view = $('message-view');
    var body = $('message-view-body');
    view.hidden = false;
    $('message-view-title').textContent = 'Conversation ' + conversationId + ', message #' + seq + ' and its neighbours';
    clear(body);
    body.appendChild(el('p', { 'class': 'muted' }, ['Loading…']));
    var encoding = lastReport ? lastReport.budget.encoding : '';
    return loadMessages(conversationId, Math.max(1, seq - 2), seq + 2).then(function (messages) {
      clear(body);
      var list = el('ol', { 'class': 'messages' });
      messages.forEach(function (message) {
        var item = messageItem(message, encoding, conversationId);
        if (message.seq === seq) item.setAttribute('data-target', 'true');
        list.appendChild(item);
      });
      body.appendChild(messages.length > 0 ? list : el('p', {}, ['Message #' + seq + ' was not found (deleted or expired).']));
      view.scrollIntoView({ block: 'start' });
    }, function (error) {
      clear(body);
      body.appendChild(el('p', { 'class': 'error' }, [String(error.message)]));
    });
  }

  // ---- Assembly -------------------------------------------------------------------------------

  var lastReport = null;
  var requestNumber = 0;

  /** The request body ({ budget: { maxTokens?, model?, reserveOutput? }, system?, query? }), or { error } saying what to fix. */
  function assembleBody() {
    var budget = {};
    var maxTokens = $('max-tokens').value.trim();
    var model = $('model').value.trim();
    var reserve = $('reserve-output').value.trim();
    if (maxTokens.length > 0) {
      if (!/^[0-9]+$/.test(maxTokens) || Number(maxTokens) <= 0) return { error: 'The budget must be a positive whole number of tokens.' };
      budget.maxTokens = Number(maxTokens);
    }
    if (model.length > 0) budget.model = model;
    if (budget.maxTokens === undefined && budget.model === undefined) return { error: 'Give a budget in tokens, or a model to take its context window.' };
    if (reserve.length > 0) {
      if (!/^[0-9]+$/.test(reserve)) return { error: 'The reply reserve must be a whole number of tokens.' };
      budget.reserveOutput = Number(reserve);
    }
    var body = { budget: budget };
    var system = $('system').value;
    if (system.length > 0) body.system = system;
    var query = $('query').value;
    if (query.length > 0) body.query = query;
    return body;
  }

  function assemble() {
    var conversationId = $('conversation').value;
    if (!conversationId) { setStatus('idle', 'Pick a conversation.'); return Promise.resolve(); }
    var body = assembleBody();
    if (body.error) { setStatus('error', body.error); return Promise.resolve(); }
    var mine = ++requestNumber;
    var budgetText = body.budget.maxTokens !== undefined ? formatInt(body.budget.maxTokens) + ' tokens' : 'the context window of ' + body.budget.model;
    setStatus('loading', 'Assembling ' + conversationId + ' under ' + budgetText + '…');
    var params = new URLSearchParams({ conversation: conversationId });
    if (body.budget.maxTokens !== undefined) params.set('maxTokens', String(body.budget.maxTokens));
    if (body.budget.model !== undefined) params.set('model', body.budget.model);
    history.replaceState(null, '', location.pathname + '?' + params.toString());
    return api('POST', conversationPath(conversationId) + '/context', body).then(function (result) {
      var sent = result.report.window;
      var windowMessages = sent.fromSeq !== null && sent.toSeq !== null
        ? loadMessages(conversationId, sent.fromSeq, sent.toSeq).catch(function () { return []; })
        : Promise.resolve([]);
      return windowMessages.then(function (stored) {
        if (mine !== requestNumber) return;
        lastReport = result.report;
        render(conversationId, result, stored);
        $('result').setAttribute('data-max-tokens', String(result.report.budget.maxTokens));
        $('result').setAttribute('data-request-budget', JSON.stringify(body.budget));
        setStatus('ready', 'Assembled ' + formatInt(result.messages.length) + ' messages, ' + formatInt(result.report.totalTokens) + ' tokens.');
      });
    }).catch(function (error) {
      if (mine !== requestNumber) return;
      setStatus('error', String(error.message));
    });
  }

  function render(conversationId, result, stored) {
    var report = result.report;
    var sections = report.sections;
    var available = report.budget.available;
    $('result').hidden = false;

    // Totals
    var totals = $('totals');
    clear(totals);
    totals.appendChild(el('strong', { id: 'total-tokens', 'data-tokens': report.totalTokens }, [formatInt(report.totalTokens)]));
    totals.appendChild(document.createTextNode(' of ' + formatInt(available) + ' tokens available (' + percent(report.totalTokens, available) + ')'));
    totals.appendChild(el('span', { 'class': 'muted' }, [
      ' · max ' + formatInt(report.budget.maxTokens) + ', reserved for the reply ' + formatInt(report.budget.reserveOutput) +
      ' · ' + report.budget.encoding + (report.budget.model ? ' (' + report.budget.model + ')' : '') +
      (report.budget.exactTokenizer ? '' : ' · approximate tokenizer for this model')
    ]));

    // Budget bar and legend
    var bar = $('budget-bar');
    var legend = $('legend');
    clear(bar);
    clear(legend);
    var scale = Math.max(available, report.totalTokens);
    ORDER.forEach(function (name) {
      var tokens = sections[name].tokens;
      if (tokens > 0) {
        var segment = el('div', { 'class': 'segment', 'data-section': name, 'data-tokens': tokens, title: name + ': ' + formatInt(tokens) + ' tokens (' + percent(tokens, available) + ')' });
        segment.style.width = (100 * tokens / scale) + '%';
        segment.style.backgroundColor = COLORS[name];
        if (tokens / scale > 0.06) segment.textContent = name;
        bar.appendChild(segment);
      }
      legend.appendChild(el('li', { 'data-section': name }, [
        swatch(COLORS[name]), name + ' ' + formatInt(tokens) + ' (' + percent(tokens, available) + ')'
      ]));
    });
    var free = available - report.totalTokens;
    if (free > 0) {
      var rest = el('div', { 'class': 'segment free', 'data-section': 'free', 'data-tokens': free, title: 'unused: ' + formatInt(free) + ' tokens' }, [free / scale > 0.06 ? 'unused' : '']);
      rest.style.width = (100 * free / scale) + '%';
      rest.style.backgroundColor = COLORS.free;
      bar.appendChild(rest);
    }
    legend.appendChild(el('li', { 'data-section': 'free' }, [swatch(COLORS.free), 'unused ' + formatInt(Math.max(0, free)) + ' (' + percent(Math.max(0, free), available) + ')']));
    bar.setAttribute('aria-label', 'Budget split: ' + ORDER.map(function (name) { return name + ' ' + sections[name].tokens; }).join(', ') + ', unused ' + Math.max(0, free) + ' of ' + available + ' tokens');

    // Section blocks
    var system = result.messages.length > 0 && result.messages[0].role === 'system' && !result.messages[0].id ? result.messages[0] : null;
    var blocks = splitSystem(system ? messageText(system.content) : '', sections);
    var byId = {};
    stored.forEach(function (message) { byId[message.id] = message; });
    var withIds = result.messages.filter(function (message) { return message.id; });
    var currentCount = sections.current.items;
    var recentMessages = withIds.slice(0, Math.max(0, withIds.length - currentCount));
    var currentMessages = withIds.slice(withIds.length - currentCount);
    var container = $('sections');
    clear(container);
    ORDER.forEach(function (name) {
      var section = sections[name];
      var block = el('article', { 'class': 'section' + (section.tokens === 0 ? ' empty' : ''), 'data-section': name, 'data-tokens': section.tokens, id: 'section-' + name });
      block.style.borderLeftColor = COLORS[name];
      var head = el('header', {}, [
        el('h3', {}, [swatch(COLORS[name]), name]),
        el('span', { 'class': 'tokens' }, [el('span', { 'class': 'section-tokens' }, [formatInt(section.tokens)]), ' tokens']),
        el('span', { 'class': 'share' }, [percent(section.tokens, available) + ' of budget']),
        el('span', { 'class': 'muted' }, [plural(section.items, 'item') + (section.cap !== undefined ? ' · cap ' + formatInt(section.cap) : '')])
      ]);
      block.appendChild(head);
      block.appendChild(el('p', { 'class': 'muted description' }, [DESCRIPTIONS[name]]));
      var content = sectionContent(name, { conversationId: conversationId, report: report, blocks: blocks, byId: byId, recent: recentMessages, current: currentMessages });
      if (content) block.appendChild(content);
      container.appendChild(block);
    });

    renderWindow(conversationId, report);
    renderDropped(conversationId, report);
    renderSummary(report, blocks);
    renderMemories(report, blocks);
    renderNotes(report);
  }

  function swatch(color) {
    var node = el('span', { 'class': 'swatch', 'aria-hidden': 'true' });
    node.style.backgroundColor = color;
    return node;
  }

  function sectionContent(name, context) {
    var encoding = context.report.budget.encoding;
    switch (name) {
      case 'system':
      case 'memories':
      case 'summary':
        return context.blocks[name] ? el('pre', { 'class': 'content' }, [context.blocks[name]]) : null;
      case 'recall': {
        if (context.report.recall.length === 0) return context.blocks.recall ? el('pre', { 'class': 'content' }, [context.blocks.recall]) : null;
        var wrapper = el('div', {});
        var list = el('ul', { 'class': 'excerpts' });
        context.report.recall.forEach(function (excerpt, index) {
          var links = el('span', {});
          excerpt.seqs.forEach(function (seq, position) {
            if (position > 0) links.appendChild(document.createTextNode(', '));
            links.appendChild(messageLink(excerpt.conversationId, seq));
          });
          list.appendChild(el('li', { 'data-excerpt': index }, [
            'excerpt ' + (index + 1) + (excerpt.conversationId !== context.conversationId ? ' from ' + excerpt.conversationId : '') + ': messages ', links
          ]));
        });
        wrapper.appendChild(list);
        if (context.blocks.recall) wrapper.appendChild(el('pre', { 'class': 'content' }, [context.blocks.recall]));
        return wrapper;
      }
      case 'recent':
      case 'current': {
        var messages = context[name];
        if (messages.length === 0) return null;
        var ordered = el('ol', { 'class': 'messages' });
        var seqs = [];
        messages.forEach(function (message) {
          var full = context.byId[message.id];
          if (full) seqs.push(full.seq);
          ordered.appendChild(messageItem(full || message, encoding, context.conversationId));
        });
        // Long windows start folded so the page stays readable; the counts above are always shown.
        var details = el('details', { open: messages.length <= OPEN_LIST_MAX ? 'open' : false }, [
          el('summary', {}, [plural(messages.length, 'message') + (seqs.length > 0 ? ' (#' + seqs[0] + '–#' + seqs[seqs.length - 1] + ')' : '')]),
          ordered
        ]);
        return details;
      }
      case 'tools':
        return null;
      case 'overhead':
        return null;
    }
    return null;
  }

  function renderWindow(conversationId, report) {
    var node = $('window');
    clear(node);
    var sent = report.window;
    node.appendChild(el('h2', {}, ['Window']));
    if (sent.fromSeq === null) {
      node.appendChild(el('p', {}, ['No messages in the window.']));
    } else {
      node.appendChild(el('p', { id: 'window-seqs', 'data-from-seq': sent.fromSeq, 'data-to-seq': sent.toSeq }, [
        'Messages ', messageLink(conversationId, sent.fromSeq), ' to ', messageLink(conversationId, sent.toSeq),
        ' (' + formatInt(sent.messages) + ' messages sent: recent + current).'
      ]));
    }
    node.appendChild(el('p', { 'class': 'muted' }, [
      formatInt(sent.olderMessages) + ' older messages neither sent nor read; assembly read ' + formatInt(report.reads.messages) +
      ' messages in ' + formatInt(report.reads.roundTrips) + ' round trips.'
    ]));
  }

  function renderDropped(conversationId, report) {
    var node = $('dropped');
    clear(node);
    node.appendChild(el('h2', {}, ['Dropped (' + formatInt(report.dropped.length) + ')']));
    if (report.dropped.length === 0) { node.appendChild(el('p', {}, ['Nothing was dropped.'])); return; }
    var table = el('table', {}, [el('thead', {}, [el('tr', {}, [
      el('th', {}, ['section']), el('th', {}, ['what']), el('th', {}, ['tokens']), el('th', {}, ['why'])
    ])])]);
    var body = el('tbody', {});
    report.dropped.forEach(function (item) {
      var what = item.seq !== undefined ? messageLink(conversationId, item.seq, 'message #' + item.seq)
        : item.memoryId !== undefined ? 'memory ' + item.memoryId
        : item.messageId !== undefined ? 'message ' + item.messageId
        : item.section;
      body.appendChild(el('tr', { 'data-section': item.section, 'data-reason': item.reason }, [
        el('td', {}, [swatch(COLORS[item.section] || COLORS.free), item.section]),
        el('td', {}, [what]),
        el('td', { 'class': 'number' }, [formatInt(item.tokens)]),
        el('td', {}, [item.reason + ': ' + (DROP_REASONS[item.reason] || 'see the report')])
      ]));
    });
    table.appendChild(body);
    node.appendChild(table);
  }

  function renderSummary(report, blocks) {
    var node = $('summary');
    clear(node);
    node.appendChild(el('h2', {}, ['Summary']));
    var summary = report.summary;
    node.appendChild(el('p', { id: 'summary-status', 'data-status': summary.status }, [
      'Status: ' + summary.status + (summary.coversThroughSeq !== undefined ? ' · covers messages up to #' + summary.coversThroughSeq : '') +
      (summary.note ? ' · ' + summary.note : '')
    ]));
    if (blocks.summary) node.appendChild(el('p', {}, [el('a', { href: '#section-summary' }, ['The summary text is in the summary section.'])]));
  }

  function renderMemories(report, blocks) {
    var node = $('memories');
    clear(node);
    node.appendChild(el('h2', {}, ['Memories used (' + formatInt(report.memories.length) + ')']));
    if (report.memories.length === 0) { node.appendChild(el('p', {}, ['No memories were included.'])); return; }
    // The memories block lists one '- text' line per memory ('- (shared) text' for a shared one), in
    // the report's order; use the texts when the lines match one to one (a memory text with a line
    // break would shift them).
    var lines = (blocks.memories || '').split('\n').slice(1);
    var prefix = function (memory) { return memory.shared ? '- (shared) ' : '- '; };
    var texts = lines.length === report.memories.length && lines.every(function (line, index) { return line.indexOf(prefix(report.memories[index])) === 0; })
      ? lines.map(function (line, index) { return line.slice(prefix(report.memories[index]).length); }) : [];
    var list = el('ul', {});
    report.memories.forEach(function (memory, index) {
      list.appendChild(el('li', { 'data-memory': memory.id }, [
        texts[index] !== undefined ? el('span', { 'class': 'memory-text' }, [texts[index]]) : null,
        el('span', { 'class': 'muted' }, [(texts[index] !== undefined ? ' · ' : '') + (memory.pinned ? 'pinned · ' : '') + (memory.shared ? 'shared · ' : '') + (memory.key !== undefined ? 'key ' + memory.key + ' · ' : '') + 'id ' + memory.id]),
        memory.source ? el('span', { 'class': 'muted' }, [' · from ' + memory.source.conversationId + ' (' + memory.source.messageIds.length + ' messages)']) : null
      ]));
    });
    node.appendChild(list);
  }

  function renderNotes(report) {
    var node = $('notes');
    clear(node);
    node.appendChild(el('h2', {}, ['Notes']));
    if (report.notes.length === 0) { node.appendChild(el('p', {}, ['No fallbacks were taken.'])); return; }
    var list = el('ul', {});
    report.notes.forEach(function (note) { list.appendChild(el('li', {}, [note])); });
    node.appendChild(list);
  }

  // ---- Wiring ---------------------------------------------------------------------------------

  takeKeyFromFragment();
  showKeyState();
  var initial = new URLSearchParams(location.search).get('maxTokens');
  if (initial && /^\d+$/.test(initial)) $('max-tokens').value = initial;
  var initialModel = new URLSearchParams(location.search).get('model');
  if (initialModel) {
    $('model').value = initialModel;
    if (!initial) $('max-tokens').value = '';
  }

  $('key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('api-key').value.trim();
    var user = $('user-id').value.trim();
    try {
      if (value) sessionStorage.setItem(KEY_STORAGE, value);
      if (user) sessionStorage.setItem(USER_STORAGE, user); else sessionStorage.removeItem(USER_STORAGE);
    } catch (error) { setStatus('error', 'sessionStorage is disabled: the key cannot be kept.'); return; }
    $('api-key').value = '';
    showKeyState();
    loadConversations().catch(function (error) { setStatus('error', String(error.message)); });
  });
  $('forget-key').addEventListener('click', function () {
    try { sessionStorage.removeItem(KEY_STORAGE); sessionStorage.removeItem(USER_STORAGE); } catch (error) { /* nothing kept */ }
    showKeyState();
    clear($('conversation'));
    $('result').hidden = true;
    setStatus('idle', 'Key forgotten.');
  });
  $('assemble-form').addEventListener('submit', function (event) {
    event.preventDefault();
    assemble();
  });
  $('conversation').addEventListener('change', function () { assemble(); });
  $('close-message-view').addEventListener('click', function () { $('message-view').hidden = true; });

  if (apiKey()) loadConversations().catch(function (error) { setStatus('error', String(error.message)); });
  else setStatus('idle', 'Enter an API key to list conversations.');
})();
`;
