/**
 * The viewer's HTML shell and stylesheet. The page holds no event data: the script fills it in
 * from the JSON endpoints with `textContent`, so nothing an event says is ever parsed as HTML.
 * `assetBase` is the viewer's own path prefix, produced by the handler (never from the request).
 */
export function viewerHtml(assetBase: string): string {
  const base = escapeAttribute(assetBase);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Audit log</title>
<link rel="stylesheet" href="${base}/assets/viewer.css">
<script type="module" src="${base}/assets/viewer.js"></script>
</head>
<body>
<a class="skip" href="#events">Skip to events</a>
<header>
  <h1>Audit log</h1>
  <p id="organization" class="muted"></p>
  <p id="retention"></p>
  <p id="expiry" class="muted"></p>
</header>
<main>
  <form id="filters" aria-labelledby="filters-heading">
    <h2 id="filters-heading">Filters</h2>
    <div class="fields">
      <label for="range-start">From <span class="hint">(your time zone)</span></label>
      <input id="range-start" name="rangeStart" type="datetime-local" step="1">
      <label for="range-end">Until <span class="hint">(your time zone)</span></label>
      <input id="range-end" name="rangeEnd" type="datetime-local" step="1">
      <label for="actions">Actions <span class="hint">(comma-separated)</span></label>
      <input id="actions" name="actions" type="text" autocomplete="off" placeholder="user.signed_in">
      <label for="actor-names">Actor names <span class="hint">(comma-separated)</span></label>
      <input id="actor-names" name="actorNames" type="text" autocomplete="off">
      <label for="actor-ids">Actor ids <span class="hint">(comma-separated)</span></label>
      <input id="actor-ids" name="actorIds" type="text" autocomplete="off">
      <label for="target-types">Target types <span class="hint">(comma-separated)</span></label>
      <input id="target-types" name="targets" type="text" autocomplete="off" placeholder="team">
    </div>
    <div class="buttons">
      <button type="submit">Apply filters</button>
      <button type="reset" class="secondary">Clear</button>
      <button type="button" id="export" class="secondary">Export CSV</button>
    </div>
    <p id="export-status" role="status" aria-live="polite"></p>
  </form>
  <section id="events" aria-labelledby="events-heading" tabindex="-1">
    <h2 id="events-heading">Events <span class="hint">(newest first)</span></h2>
    <p id="list-status" role="status" aria-live="polite"></p>
    <div class="table-wrap">
      <table id="event-table">
        <caption class="visually-hidden">Audit log events, newest first. Select an action to see the event's details.</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Targets</th><th scope="col">Location</th></tr></thead>
        <tbody id="event-rows"></tbody>
      </table>
    </div>
    <button type="button" id="load-more" hidden>Load more</button>
  </section>
  <section id="detail" aria-labelledby="detail-heading" hidden>
    <h2 id="detail-heading" tabindex="-1">Event details</h2>
    <dl id="detail-fields"></dl>
    <button type="button" id="detail-close" class="secondary">Close details</button>
  </section>
</main>
</body>
</html>
`;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Plain CSS: system fonts, contrast at least 4.5:1, and a stacked layout below 640px. */
export const VIEWER_CSS = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b57d0; --bg: #ffffff; --soft: #f3f4f6; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
h1 { font-size: 1.6rem; margin: 16px 0 4px; }
h2 { font-size: 1.2rem; margin: 16px 0 8px; }
.muted, .hint { color: var(--muted); }
.hint { font-weight: normal; font-size: 0.9em; }
p { margin: 4px 0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 8px; z-index: 10; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
form { background: var(--soft); padding: 8px 16px 12px; border-radius: 8px; }
.fields { display: grid; grid-template-columns: max-content 1fr; gap: 8px 12px; align-items: center; }
label { font-weight: 600; }
input { font: inherit; padding: 6px 8px; border: 1px solid #767676; border-radius: 4px; width: 100%; min-width: 0; background: #fff; color: var(--fg); }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
button { font: inherit; padding: 8px 14px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; min-height: 44px; }
button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; min-height: 0; text-align: left; word-break: break-word; }
:focus-visible { outline: 3px solid #b8470b; outline-offset: 2px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid var(--line); word-break: break-word; }
th { background: var(--soft); }
tr.selected td { background: #e8f0fe; }
#load-more { margin: 12px 0 24px; }
#detail { border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px 16px; margin: 16px 0 32px; }
#detail dt { font-weight: 600; margin-top: 8px; }
#detail dd { margin: 0; }
pre { background: var(--soft); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
@media (max-width: 640px) {
  .fields { grid-template-columns: 1fr; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: 8px; padding: 4px 0; }
  td { border: none; padding: 4px 12px; }
  td::before { content: attr(data-label); display: block; font-weight: 600; color: var(--muted); font-size: 0.85em; }
}
`;
