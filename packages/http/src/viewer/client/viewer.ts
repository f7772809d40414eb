// The audit log viewer's browser script. Every piece of event data is written with
// `textContent` (never innerHTML): names, user agents and metadata are data, not markup.

interface WireActor {
  type: string;
  id: string;
  name?: string;
  metadata?: Record<string, unknown>;
}
interface WireTarget {
  type: string;
  id: string;
  name?: string;
  metadata?: Record<string, unknown>;
}
interface WireEvent {
  id: string;
  action: string;
  version: number;
  occurred_at: string;
  received_at: string;
  actor: WireActor;
  targets: WireTarget[];
  context: { location: string; user_agent?: string };
  metadata?: Record<string, unknown>;
}
interface WireList {
  data: WireEvent[];
  list_metadata: { before: string | null; after: string | null };
}
interface WireSession {
  organization_id: string;
  expires_at: string;
  retention_period_in_days: number | null;
}
interface WireExport {
  id: string;
  state: 'pending' | 'ready' | 'error';
  row_count: number | null;
}

const PAGE_SIZE = 100;
const token = new URLSearchParams(location.search).get('token') ?? '';
const apiBase = `${location.pathname.replace(/\/+$/, '')}/api`;
/** The options the table formats times with, in the viewer's own zone and locale. */
const TIME_OPTIONS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
};
const timeFormat = new Intl.DateTimeFormat(undefined, TIME_OPTIONS);

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`viewer: #${id} is missing`);
  return element as T;
}

function apiUrl(path: string, params: URLSearchParams = new URLSearchParams()): string {
  const query = new URLSearchParams(params);
  query.set('token', token);
  return `${apiBase}${path}?${query}`;
}

async function request<T>(path: string, init?: RequestInit, params?: URLSearchParams): Promise<T> {
  const response = await fetch(apiUrl(path, params), init);
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = (body as { message?: unknown }).message;
    throw new Error(typeof message === 'string' ? message : `Request failed (${response.status})`);
  }
  return body as T;
}

/** The current filters, as the wire names `listEvents` and exports take. */
interface Filters {
  range_start?: string;
  range_end?: string;
  actions?: string[];
  actor_names?: string[];
  actor_ids?: string[];
  targets?: string[];
}

function splitList(value: string): string[] | undefined {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}

function localTime(value: string): string | undefined {
  // A datetime-local value is a wall-clock time in the viewer's zone; Date reads it as such.
  if (value === '') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

function readFilters(): Filters {
  const filters: Filters = {};
  const start = localTime(byId<HTMLInputElement>('range-start').value);
  const end = localTime(byId<HTMLInputElement>('range-end').value);
  const actions = splitList(byId<HTMLInputElement>('actions').value);
  const actorNames = splitList(byId<HTMLInputElement>('actor-names').value);
  const actorIds = splitList(byId<HTMLInputElement>('actor-ids').value);
  const targets = splitList(byId<HTMLInputElement>('target-types').value);
  if (start !== undefined) filters.range_start = start;
  if (end !== undefined) filters.range_end = end;
  if (actions !== undefined) filters.actions = actions;
  if (actorNames !== undefined) filters.actor_names = actorNames;
  if (actorIds !== undefined) filters.actor_ids = actorIds;
  if (targets !== undefined) filters.targets = targets;
  return filters;
}

function filterParams(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else if (typeof value === 'string') params.set(key, value);
  }
  return params;
}

function text(tag: string, content: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className !== undefined) element.className = className;
  return element;
}

function actorLabel(actor: WireActor): string {
  return actor.name !== undefined && actor.name !== ''
    ? `${actor.name} (${actor.type})`
    : `${actor.id} (${actor.type})`;
}

function targetLabel(target: WireTarget): string {
  return `${target.type}: ${target.name ?? target.id}`;
}

let filters: Filters = {};
let nextCursor: string | null = null;
let shown = 0;
let generation = 0;
let selectedRow: HTMLTableRowElement | undefined;

function timeCell(iso: string): HTMLTableCellElement {
  const cell = document.createElement('td');
  cell.dataset.label = 'Time';
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = timeFormat.format(new Date(iso));
  cell.append(time);
  return cell;
}

function cell(label: string, content: string): HTMLTableCellElement {
  const element = document.createElement('td');
  element.dataset.label = label;
  element.textContent = content;
  return element;
}

function eventRow(event: WireEvent): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.eventId = event.id;
  const actionCell = document.createElement('td');
  actionCell.dataset.label = 'Action';
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'link';
  open.textContent = event.action;
  open.setAttribute('aria-label', `${event.action}, show details`);
  open.addEventListener('click', () => showDetail(event, row));
  actionCell.append(open);
  row.append(
    timeCell(event.occurred_at),
    actionCell,
    cell('Actor', actorLabel(event.actor)),
    cell('Targets', event.targets.map(targetLabel).join(', ')),
    cell('Location', event.context.location),
  );
  return row;
}

function detailEntry(list: HTMLElement, term: string, value: string, preformatted = false): void {
  list.append(text('dt', term), preformatted ? wrap('dd', text('pre', value)) : text('dd', value));
}

function wrap(tag: string, child: HTMLElement): HTMLElement {
  const element = document.createElement(tag);
  element.append(child);
  return element;
}

function showDetail(event: WireEvent, row: HTMLTableRowElement): void {
  selectedRow?.classList.remove('selected');
  selectedRow = row;
  row.classList.add('selected');
  const list = byId('detail-fields');
  list.replaceChildren();
  detailEntry(list, 'Event id', event.id);
  detailEntry(list, 'Action', `${event.action} (version ${event.version})`);
  detailEntry(list, 'Occurred', `${timeFormat.format(new Date(event.occurred_at))} (${event.occurred_at})`);
  detailEntry(list, 'Received', event.received_at);
  detailEntry(list, 'Actor', JSON.stringify(event.actor, null, 2), true);
  detailEntry(list, 'Targets', JSON.stringify(event.targets, null, 2), true);
  detailEntry(list, 'Context', JSON.stringify(event.context, null, 2), true);
  detailEntry(list, 'Metadata', JSON.stringify(event.metadata ?? {}, null, 2), true);
  const panel = byId('detail');
  panel.hidden = false;
  byId('detail-heading').focus();
}

function closeDetail(): void {
  byId('detail').hidden = true;
  const button = selectedRow?.querySelector('button');
  selectedRow?.classList.remove('selected');
  selectedRow = undefined;
  button?.focus();
}

async function loadPage(reset: boolean): Promise<void> {
  const status = byId('list-status');
  const more = byId<HTMLButtonElement>('load-more');
  const rows = byId('event-rows');
  const mine = reset ? ++generation : generation;
  if (reset) {
    nextCursor = null;
    shown = 0;
    rows.replaceChildren();
    byId('detail').hidden = true;
  }
  more.disabled = true;
  status.textContent = 'Loading events…';
  const params = filterParams(filters);
  params.set('limit', String(PAGE_SIZE));
  if (nextCursor !== null) params.set('after', nextCursor);
  try {
    const page = await request<WireList>('/events', undefined, params);
    if (mine !== generation) return; // a newer filter replaced this list meanwhile
    rows.append(...page.data.map(eventRow));
    shown += page.data.length;
    nextCursor = page.list_metadata.after;
    more.hidden = nextCursor === null;
    status.textContent =
      shown === 0
        ? 'No events match.'
        : `Showing ${shown} event${shown === 1 ? '' : 's'}${nextCursor === null ? '' : ' (more available)'}.`;
  } catch (error) {
    status.textContent = `Could not load events: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    more.disabled = false;
  }
}

async function exportCsv(): Promise<void> {
  const status = byId('export-status');
  const button = byId<HTMLButtonElement>('export');
  button.disabled = true;
  try {
    status.textContent = 'Starting export…';
    let job = await request<WireExport>('/exports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(filters),
    });
    const started = Date.now();
    while (job.state === 'pending') {
      status.textContent = `Preparing export… (${Math.round((Date.now() - started) / 1000)} s)`;
      await new Promise((resolve) => setTimeout(resolve, 400));
      job = await request<WireExport>(`/exports/${encodeURIComponent(job.id)}`);
    }
    if (job.state === 'error') throw new Error('the export failed');
    status.textContent = `Export ready: ${job.row_count ?? 0} events. Downloading…`;
    const link = document.createElement('a');
    link.href = apiUrl(`/exports/${encodeURIComponent(job.id)}/download`);
    link.download = `audit-log-${job.id}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    status.textContent = `Export ready: ${job.row_count ?? 0} events, downloaded.`;
  } catch (error) {
    status.textContent = `Export failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    button.disabled = false;
  }
}

async function loadSession(): Promise<void> {
  const session = await request<WireSession>('/session');
  byId('organization').textContent = `Organization ${session.organization_id}`;
  byId('retention').textContent =
    session.retention_period_in_days === null
      ? 'Retention: events are kept indefinitely.'
      : `Retention: events are kept for ${session.retention_period_in_days} days.`;
  byId('expiry').textContent = `This link expires ${timeFormat.format(new Date(session.expires_at))}.`;
}

function start(): void {
  const form = byId<HTMLFormElement>('filters');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filters = readFilters();
    void loadPage(true);
  });
  form.addEventListener('reset', () => {
    // After the browser has cleared the inputs.
    setTimeout(() => {
      filters = {};
      void loadPage(true);
    });
  });
  byId('load-more').addEventListener('click', () => void loadPage(false));
  byId('export').addEventListener('click', () => void exportCsv());
  byId('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !byId('detail').hidden) closeDetail();
  });
  loadSession().catch((error: unknown) => {
    byId('retention').textContent =
      `Could not load the organization: ${error instanceof Error ? error.message : String(error)}`;
  });
  void loadPage(true);
}

start();
