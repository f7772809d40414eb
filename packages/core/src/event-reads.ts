import { z } from 'zod';
import {
  type AuditLogExportFilters,
  type ListEventsOptions,
  parseExportFilters,
  parseListEventsOptions,
} from './event-filter.js';
import { type AuditLogEvent, isStorableTime } from './event-model.js';
import {
  csvHeader,
  csvRows,
  csvRowsFromCells,
  EXPORT_CELLS,
  type ExportFormat,
  ndjsonLines,
} from './export-format.js';
import { decodeCursor, encodeCursor, type List, parseRequest, planPage, toList } from './pagination.js';
import type { AuditStore, EventFilter, EventPosition } from './store.js';
import { requiredText } from './text-rules.js';

/** Options of `exportEvents`. */
export interface ExportEventsOptions {
  /** Default `csv`. */
  format?: ExportFormat;
  /** Called after each page with the number of events written so far. */
  onProgress?: (rowsDone: number) => void;
}

const exportEventsOptions = z.strictObject({
  format: z.enum(['csv', 'ndjson'], { error: 'must be "csv" or "ndjson"' }).optional(),
  onProgress: z
    .custom<(count: number) => void>((value) => typeof value === 'function', { error: 'must be a function' })
    .optional(),
});

// A cursor comes back from the client: check it as strictly as any other input, so a forged one
// (a time outside the Date range, a NUL in the id) is `invalid_request`, never a database error.
const positionCursor = z.tuple([z.number().refine(isStorableTime), requiredText(255)]);

const toCursor = (event: AuditLogEvent) => encodeCursor('event', [event.occurredAt.getTime(), event.id]);
const fromCursor = (cursor: string): EventPosition => {
  const [time, id] = decodeCursor('event', cursor, positionCursor);
  return { occurredAt: new Date(time), id };
};

/** Filtered reads: cursor pages and streamed exports, both in keyset order. */
export class EventReader {
  readonly #store: AuditStore;
  readonly #pageSize: number;

  constructor(store: AuditStore, pageSize: number) {
    this.#store = store;
    this.#pageSize = pageSize;
  }

  async list(options: ListEventsOptions): Promise<List<AuditLogEvent>> {
    const { filter, page } = parseListEventsOptions(options);
    const plan = planPage(page, fromCursor);
    const rows = await this.#store.findEvents({
      ...filter,
      order: plan.order,
      ...(plan.start === undefined ? {} : { after: plan.start }),
      limit: plan.limit + 1,
    });
    return toList(plan, rows, toCursor);
  }

  /**
   * Every matching event, oldest first, a page at a time: through the store's cursor when it
   * has one, else one keyset query per page. Each page starts strictly after the last event of
   * the previous one, so events inserted meanwhile cannot shift the pages: nothing that existed
   * at the start is repeated or skipped.
   */
  async *events(filter: EventFilter): AsyncGenerator<AuditLogEvent[]> {
    if (this.#store.streamEvents) {
      yield* this.#store.streamEvents(filter, this.#pageSize);
      return;
    }
    let after: EventPosition | undefined;
    for (;;) {
      const page = await this.#store.findEvents({
        ...filter,
        order: 'asc',
        ...(after === undefined ? {} : { after }),
        limit: this.#pageSize,
      });
      if (page.length > 0) yield page;
      const last = page.at(-1);
      if (!last || page.length < this.#pageSize) return;
      after = { occurredAt: last.occurredAt, id: last.id };
    }
  }

  /** Validates the filters up front (so bad input fails at the call), then streams text chunks. */
  export(filters: AuditLogExportFilters, options: ExportEventsOptions = {}): AsyncGenerator<string> {
    const filter = parseExportFilters(filters);
    parseRequest(exportEventsOptions, options, 'exportEvents options');
    return this.#chunks(filter, options);
  }

  async *#chunks(
    filter: EventFilter,
    { format = 'csv', onProgress }: ExportEventsOptions,
  ): AsyncGenerator<string> {
    if (format === 'csv') yield csvHeader();
    let rowsDone = 0;
    if (format === 'csv' && this.#store.streamExportCells) {
      // The store streams column text (e.g. Postgres COPY); core still writes every CSV rule.
      for await (const cells of this.#store.streamExportCells(filter)) {
        if (cells.length === 0) continue;
        yield csvRowsFromCells(cells);
        rowsDone += cells.length / EXPORT_CELLS.length;
        onProgress?.(rowsDone);
      }
      return;
    }
    for await (const page of this.events(filter)) {
      yield format === 'csv' ? csvRows(page) : ndjsonLines(page);
      rowsDone += page.length;
      onProgress?.(rowsDone);
    }
  }
}
