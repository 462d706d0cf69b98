/** The inspector's stylesheet, inlined under the page's CSP nonce (no external files: works offline). */
export const INSPECTOR_STYLES = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; color: #111827; background: #f9fafb; }
body { margin: 0; }
header.top { padding: 14px 24px 6px; background: #111827; color: #f9fafb; }
header.top h1 { margin: 0; font-size: 20px; }
header.top .muted { color: #cbd5e1; margin: 4px 0 8px; }
main { padding: 12px 24px 32px; max-width: 1200px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
h3 { font-size: 15px; margin: 0; display: inline-flex; align-items: center; gap: 6px; text-transform: capitalize; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.muted { color: #6b7280; }
.controls { display: grid; gap: 10px; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px; }
.controls form { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px 14px; }
.field { display: flex; flex-direction: column; gap: 2px; }
.field > span { font-weight: 600; font-size: 12px; color: #374151; }
#key-state { align-self: center; }
.controls input, .controls select, .controls textarea { font: inherit; padding: 4px 6px; border: 1px solid #d1d5db; border-radius: 4px; }
.controls input[type=number] { width: 7em; }
.controls select { width: 26em; max-width: 100%; }
.controls textarea { width: 30em; max-width: 100%; resize: vertical; }
.controls input[type=text], .controls input[type=password] { width: 16em; }
details > summary { cursor: pointer; font-size: 13px; color: #374151; margin: 2px 0 4px; }
button { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #1f2937; background: #1f2937; color: #fff; cursor: pointer; }
button[type=button] { background: #fff; color: #1f2937; }
#status { min-height: 1.4em; margin: 10px 0; }
#status[data-status=error] { color: #b91c1c; font-weight: 600; }
#status[data-status=loading] { color: #6b7280; }
.bar { display: flex; height: 34px; border-radius: 6px; overflow: hidden; border: 1px solid #d1d5db; background: #f3f4f6; }
.segment { color: #fff; font-size: 12px; font-weight: 600; line-height: 34px; text-align: center; white-space: nowrap; overflow: hidden; min-width: 2px; }
.segment.free { color: #4b5563; background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255,255,255,.6) 6px 12px); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; padding: 0; margin: 8px 0; font-size: 13px; }
.legend li { display: inline-flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; flex: none; margin-right: 4px; }
#sections { display: grid; gap: 10px; }
.section { background: #fff; border: 1px solid #e5e7eb; border-left: 8px solid #9ca3af; border-radius: 6px; padding: 8px 12px; }
.section.empty { opacity: .6; }
.section header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 18px; }
.section .tokens { font-weight: 700; font-variant-numeric: tabular-nums; }
.section .share { font-variant-numeric: tabular-nums; }
.section .description { margin: 2px 0 6px; font-size: 13px; }
pre.content { white-space: pre-wrap; word-break: break-word; margin: 4px 0; padding: 6px 8px; background: #f9fafb; border-radius: 4px; font-size: 13px; max-height: 18em; overflow: auto; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
ol.messages { list-style: none; padding: 0; margin: 0; display: grid; gap: 4px; }
.message { border: 1px solid #f3f4f6; border-radius: 4px; padding: 2px 6px; }
.message[data-target=true] { border-color: #059669; background: #ecfdf5; }
.message-head { display: flex; gap: 10px; font-size: 12px; align-items: baseline; }
.message-head .role { font-weight: 600; }
.message pre.content { max-height: 8em; }
.excerpts { margin: 4px 0; padding-left: 20px; font-size: 13px; }
a.message-link { color: #047857; font-variant-numeric: tabular-nums; }
.details { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0 24px; }
table { border-collapse: collapse; font-size: 13px; background: #fff; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #e5e7eb; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
#message-view { position: fixed; right: 16px; bottom: 16px; width: min(520px, 90vw); max-height: 60vh; overflow: auto; background: #fff; border: 1px solid #9ca3af; border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 8px 12px; }
#message-view header { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
#message-view h2 { margin: 4px 0; font-size: 14px; }
.error { color: #b91c1c; }
[hidden] { display: none !important; }
`;
