import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditLog, createAuditLog, type ListEventsOptions } from '@auditkit/core';
import { type AuditLogViewer, createAuditLogViewer, type RunningServer, serve } from '@auditkit/http';
import axe from 'axe-core';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildViewerScript, launchChromium } from './browser.js';
import { B_MARKER, listAll, NEWEST, ORG_A, ORG_B, ORG_XSS, seedEvents, xssPayload } from './seed.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '../..');
const docsDir = resolve(packageDir, '../../docs');
const TIME_ZONE = 'Asia/Kolkata';
const EVENTS_A = 1_050;

let directory: string;
let auditLog: AuditLog;
let server: RunningServer;
let viewer: AuditLogViewer;
let browser: Browser;
let context: BrowserContext;
/** The viewer's clock, so a test can move past a link's expiry. */
let clockOffset = 0;

beforeAll(async () => {
  buildViewerScript(packageDir);
  directory = await mkdtemp(join(tmpdir(), 'auditkit-viewer-test-'));
  auditLog = await createAuditLog({
    store: sqliteStore({ filename: join(directory, 'audit.db') }),
    exports: { directory },
    // The seeded events carry free-form targets and metadata; schemas are not what is tested.
    requireSchemas: false,
  });
  await seedEvents(auditLog, ORG_A, EVENTS_A);
  await seedEvents(auditLog, ORG_B, 30, B_MARKER);
  await auditLog.setRetention(ORG_A, { retentionPeriodInDays: 365 });
  let handler: (request: Request) => Promise<Response> = async () =>
    new Response('starting', { status: 503 });
  server = await serve((request) => handler(request), { hostname: '127.0.0.1', port: 0 });
  viewer = createAuditLogViewer({
    auditLog,
    publicUrl: `${server.url}/viewer`,
    secret: 'a-test-secret-that-is-at-least-32-bytes-long',
    now: () => Date.now() + clockOffset,
  });
  handler = viewer.handler;
  browser = await launchChromium();
  // CSP is bypassed so that these tests prove the rendering itself is safe; the page's CSP is
  // a second line of defence, checked separately.
  context = await browser.newContext({
    timezoneId: TIME_ZONE,
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    bypassCSP: true,
  });
  context.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await auditLog?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

async function openViewer(organizationId = ORG_A, page?: Page): Promise<Page> {
  const target = page ?? (await context.newPage());
  await target.goto(viewer.createViewerLink({ organizationId, expiresIn: 600 }).url);
  await target.waitForSelector('#list-status:has-text("Showing"), #list-status:has-text("No events")');
  return target;
}

function rowIds(page: Page): Promise<string[]> {
  return page.$$eval('#event-rows tr', (rows) => rows.map((row) => row.getAttribute('data-event-id') ?? ''));
}

/** Clicks "Load more" until every page is shown, and returns the ids in order. */
async function loadAll(page: Page): Promise<string[]> {
  while (await page.isVisible('#load-more')) {
    const before = await page.locator('#event-rows tr').count();
    await page.click('#load-more');
    await page.waitForFunction(`document.querySelectorAll('#event-rows tr').length > ${before}`);
  }
  return rowIds(page);
}

async function applyFilters(page: Page, fill: Record<string, string>): Promise<void> {
  await page.click('button[type=reset]');
  for (const [selector, value] of Object.entries(fill)) await page.fill(selector, value);
  await page.click('button[type=submit]');
  await page.waitForSelector('#list-status:has-text("Showing"), #list-status:has-text("No events")');
}

async function expectedIds(options: Omit<ListEventsOptions, 'organizationId'>): Promise<string[]> {
  return (await listAll(auditLog, { organizationId: ORG_A, ...options })).map((event) => event.id);
}

describe('audit log viewer in headless Chromium', () => {
  it('shows the same events as listEvents, newest first, time in the viewer time zone', async () => {
    const page = await openViewer();
    const first = await auditLog.listEvents({ organizationId: ORG_A, limit: 100 });
    expect(await rowIds(page)).toEqual(first.data.map((event) => event.id));
    const newest = first.data[0];
    if (newest === undefined) throw new Error('no events seeded');
    const cells = await page.$$eval('#event-rows tr:first-child td', (tds) =>
      tds.map((td) => td.textContent),
    );
    const zoned = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
      timeZone: TIME_ZONE,
    }).format(newest.occurredAt);
    expect(cells).toEqual([
      zoned,
      newest.action,
      `${newest.actor.name} (user)`,
      newest.targets.map((target) => `${target.type}: ${target.name ?? target.id}`).join(', '),
      newest.context.location,
    ]);
    expect(zoned).toContain('GMT+5:30');
    await expect(page.textContent('#retention')).resolves.toBe('Retention: events are kept for 365 days.');
    await page.close();
  });

  it('pages with Load more through to the 1,000th event and the last', async () => {
    const page = await openViewer();
    const all = await expectedIds({});
    expect(all).toHaveLength(EVENTS_A);
    const shown = await loadAll(page);
    expect(shown).toEqual(all);
    expect(shown[999]).toBe(all[999]);
    await expect(page.textContent('#list-status')).resolves.toBe(`Showing ${EVENTS_A} events.`);
    await page.close();
  });

  it('narrows the table with each filter exactly as listEvents does', async () => {
    const page = await openViewer();
    const rangeStart = new Date(NEWEST - 200 * 37 * 60_000);
    const rangeEnd = new Date(NEWEST - 100 * 37 * 60_000);
    // datetime-local values are wall-clock times in the browser's zone (UTC+5:30 here).
    const local = (date: Date) => new Date(date.getTime() + 330 * 60_000).toISOString().slice(0, 19);
    const cases: [Record<string, string>, Omit<ListEventsOptions, 'organizationId'>][] = [
      [{ '#actions': 'document.updated' }, { actions: ['document.updated'] }],
      [
        { '#actions': 'user.signed_in, billing.plan_changed' },
        { actions: ['user.signed_in', 'billing.plan_changed'] },
      ],
      [{ '#actor-names': 'Grace Hopper' }, { actorNames: ['Grace Hopper'] }],
      [{ '#actor-ids': 'user_3, user_4' }, { actorIds: ['user_3', 'user_4'] }],
      [{ '#target-types': 'workspace' }, { targets: ['workspace'] }],
      [
        { '#range-start': local(rangeStart), '#range-end': local(rangeEnd) },
        { rangeStart, rangeEnd },
      ],
      [
        {
          '#actions': 'team.member_added',
          '#actor-names': 'Alan Turing, Ada Lovelace',
          '#target-types': 'user',
        },
        { actions: ['team.member_added'], actorNames: ['Alan Turing', 'Ada Lovelace'], targets: ['user'] },
      ],
    ];
    for (const [fill, options] of cases) {
      await applyFilters(page, fill);
      const expected = await expectedIds(options);
      expect(expected.length, JSON.stringify(options)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(options)).toBeLessThan(EVENTS_A);
      expect(await loadAll(page), JSON.stringify(fill)).toEqual(expected);
    }
    await page.close();
  });

  it('shows context, targets and metadata in the detail panel', async () => {
    const page = await openViewer();
    const [event] = (await auditLog.listEvents({ organizationId: ORG_A, limit: 3 })).data.slice(2);
    if (event === undefined) throw new Error('no event');
    await page.click(`#event-rows tr[data-event-id="${event.id}"] button`);
    await expect(page.isVisible('#detail')).resolves.toBe(true);
    const details = await page.$$eval('#detail-fields dt, #detail-fields dd', (items) =>
      items.map((item) => item.textContent ?? ''),
    );
    const value = (term: string) => details[details.indexOf(term) + 1];
    expect(JSON.parse(value('Metadata') ?? '')).toEqual(event.metadata);
    expect(JSON.parse(value('Targets') ?? '')).toEqual(event.targets);
    expect(JSON.parse(value('Context') ?? '')).toEqual({
      location: event.context.location,
      user_agent: event.context.userAgent,
    });
    expect(value('Event id')).toBe(event.id);
    // Keyboard: focus moves to the panel, Escape closes it and returns focus to the row.
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('detail-heading');
    await page.keyboard.press('Escape');
    await expect(page.isVisible('#detail')).resolves.toBe(false);
    await expect(page.evaluate("document.activeElement?.closest('tr')?.dataset.eventId")).resolves.toBe(
      event.id,
    );
    await page.close();
  });

  it('exports the filtered events as a CSV download whose rows equal them', async () => {
    const page = await openViewer();
    await applyFilters(page, { '#actions': 'team.member_added', '#target-types': 'workspace' });
    // Export files hold events oldest first (core's order for exports).
    const expected = await expectedIds({
      actions: ['team.member_added'],
      targets: ['workspace'],
      order: 'asc',
    });
    expect(expected.length).toBeGreaterThan(0);
    expect([...(await loadAll(page))].reverse()).toEqual(expected);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const csv = await readFile((await download.path()) ?? '', 'utf8');
    const rows: Record<string, string>[] = parse(csv, { columns: true });
    expect(rows.map((row) => row.id)).toEqual(expected);
    expect(new Set(rows.map((row) => row.organization_id))).toEqual(new Set([ORG_A]));
    await page.waitForSelector('#export-status:has-text("downloaded")');
    await expect(page.textContent('#export-status')).resolves.toBe(
      `Export ready: ${expected.length} events, downloaded.`,
    );
    await page.close();
  });
});

describe('viewer links', () => {
  it('a link for organization A shows nothing of organization B, even when asked for B', async () => {
    const page = await openViewer(ORG_A);
    await loadAll(page);
    expect(await page.textContent('body')).not.toContain(B_MARKER);
    const { url } = viewer.createViewerLink({ organizationId: ORG_A });
    const token = new URL(url).searchParams.get('token') ?? '';
    const api = `${server.url}/viewer/api`;
    const asked = await fetch(`${api}/events?token=${token}&organization_id=${ORG_B}&limit=1000`);
    const body = (await asked.json()) as { data: { organization_id: string }[] };
    expect(body.data.length).toBeGreaterThan(0);
    expect(new Set(body.data.map((event) => event.organization_id))).toEqual(new Set([ORG_A]));
    // B's export cannot be read, polled or downloaded through A's link: it does not exist there.
    const exportOfB = await auditLog.createExport({
      organizationId: ORG_B,
      rangeStart: '2000-01-01T00:00:00Z',
      rangeEnd: '2100-01-01T00:00:00Z',
    });
    await auditLog.waitForExport(exportOfB.id);
    for (const path of [`/exports/${exportOfB.id}`, `/exports/${exportOfB.id}/download`]) {
      const response = await fetch(`${api}${path}?token=${token}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(B_MARKER);
    }
    const session = (await (await fetch(`${api}/session?token=${token}`)).json()) as {
      organization_id: string;
    };
    expect(session.organization_id).toBe(ORG_A);
    await page.close();
  });

  it('refuses an altered, forged or expired link, in the page and in every endpoint', async () => {
    const { url } = viewer.createViewerLink({ organizationId: ORG_A, expiresIn: 60 });
    const token = new URL(url).searchParams.get('token') ?? '';
    const [payload = '', signature = ''] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ o: ORG_B, e: 9_999_999_999 })).toString('base64url');
    const flip = (text: string, at: number) =>
      `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    const refused = [
      `${payload}.${flip(signature, 5)}`,
      `${flip(payload, 3)}.${signature}`,
      `${forgedPayload}.${signature}`,
      `${payload}.${signature}=`,
      `${payload}.`,
      '',
    ];
    const paths = ['/', '/api/session', '/api/events', '/api/exports/any'];
    const page = await context.newPage();
    for (const bad of refused) {
      for (const path of paths) {
        const response = await fetch(`${server.url}/viewer${path}?token=${encodeURIComponent(bad)}`);
        expect(response.status, `${path} ${bad}`).toBe(403);
      }
      const response = await page.goto(`${server.url}/viewer/?token=${encodeURIComponent(bad)}`);
      expect(response?.status()).toBe(403);
      await expect(page.textContent('h1')).resolves.toBe('This viewer link is invalid or has expired');
    }
    // The untouched link works until it expires, then nothing answers it.
    expect((await fetch(`${server.url}/viewer/api/session?token=${token}`)).status).toBe(200);
    await page.goto(url);
    await page.waitForSelector('#list-status:has-text("Showing")');
    clockOffset = 61_000;
    try {
      for (const path of paths) {
        expect((await fetch(`${server.url}/viewer${path}?token=${token}`)).status, path).toBe(403);
      }
      // The open page's next request is refused too.
      await page.click('#load-more');
      await page.waitForSelector('#list-status:has-text("invalid or has expired")');
    } finally {
      clockOffset = 0;
    }
    await page.close();
  });
});

describe('viewer safety and accessibility', () => {
  it('renders script and HTML in every event field as text and runs none of it', async () => {
    const fields = [
      'action',
      'actor.id',
      'actor.name',
      'actor.type',
      'target.type',
      'target.id',
      'target.name',
      'location',
      'userAgent',
      'metadata',
    ];
    const p = Object.fromEntries(fields.map((field) => [field, xssPayload(field)]));
    await auditLog.createEvent(ORG_XSS, {
      action: p.action ?? '',
      occurredAt: new Date(),
      actor: { type: p['actor.type'] ?? '', id: p['actor.id'] ?? '', name: p['actor.name'] ?? '' },
      targets: [{ type: p['target.type'] ?? '', id: p['target.id'] ?? '', name: p['target.name'] ?? '' }],
      context: { location: p.location ?? '', userAgent: p.userAgent ?? '' },
      // Metadata keys are restricted to letters, digits, "_" and "-"; values hold anything.
      metadata: { note: p.metadata ?? '', second: `${p.metadata}"'` },
    });
    const page = await openViewer(ORG_XSS);
    await page.click('#event-rows tr button');
    await page.waitForTimeout(300); // give any injected handler (img onerror) time to fire
    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    const injected = await page.$$eval(
      '#event-rows img, #event-rows script, #event-rows svg, #detail img, #detail script, #detail svg',
      (found) => found.length,
    );
    expect(injected).toBe(0);
    const rowText = (await page.textContent('#event-rows tr')) ?? '';
    for (const field of ['action', 'actor.name', 'target.type', 'target.name', 'location']) {
      expect(rowText, field).toContain(p[field]);
    }
    const detailText = (await page.textContent('#detail')) ?? '';
    // The detail panel shows JSON, so each payload appears as its JSON string literal.
    for (const field of ['actor.id', 'actor.type', 'target.id', 'userAgent']) {
      expect(detailText, field).toContain(JSON.stringify(p[field]));
    }
    expect(detailText).toContain(JSON.stringify(p.metadata));
    await page.close();
  });

  it('serves the page with a content security policy that forbids inline script', async () => {
    const response = await fetch(viewer.createViewerLink({ organizationId: ORG_A }).url);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('has no serious or critical axe-core violation, on desktop and phone width, and writes screenshots', async () => {
    // A fixed clock for the link, so the expiry the page shows (and so the screenshots) is the
    // same on every run.
    clockOffset = Date.parse('2026-07-01T09:00:00.000Z') - Date.now();
    let page: Page;
    try {
      page = await openViewer(ORG_A);
    } finally {
      clockOffset = 0;
    }
    const scan = async () => {
      await page.evaluate(axe.source);
      const results = (await page.evaluate('axe.run()')) as axe.AxeResults;
      return results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
        );
    };
    expect(await scan()).toEqual([]);
    await page.screenshot({ path: join(docsDir, 'viewer-desktop.png') });
    const [event] = (await auditLog.listEvents({ organizationId: ORG_A, limit: 1 })).data;
    await page.click(`#event-rows tr[data-event-id="${event?.id}"] button`);
    expect(await scan()).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('#detail-close');
    expect(await scan()).toEqual([]);
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(docsDir, 'viewer-phone.png') });
    await page.close();
  });
});
