// A store written as a class: its methods live on the prototype and read a private field, so
// they only work when called on the instance itself. createAuditLog must accept it as it accepts
// a plain object, and it must pass the whole conformance suite.
import { type AuditLogSchema, createAuditLog, memoryStore } from '@auditkit/core';
import type {
  ActionPageQuery,
  AuditStore,
  Checkpoint,
  CheckpointQuery,
  EventFilter,
  EventPageQuery,
  EventRow,
  EventSummaryQuery,
  ExportExpectation,
  ExportPageQuery,
  ExportRecord,
  IdempotencyDecision,
  LeaseRequest,
  LogStreamChange,
  LogStreamCondition,
  LogStreamQuery,
  LogStreamRecord,
  SchemaPageQuery,
  SequenceChain,
  SequenceQuery,
} from '@auditkit/core/store';
import { runStoreConformance } from '@auditkit/core/testing';
import { expect, it } from 'vitest';

/** Every call goes through to a memory store held in a private field. */
class ForwardingStore implements AuditStore {
  readonly name = 'class-memory';
  readonly #inner = memoryStore();
  readonly capabilities = this.#inner.capabilities;

  open() {
    return this.#inner.open();
  }
  close() {
    return this.#inner.close();
  }
  insertEvents(rows: readonly EventRow[], decide: IdempotencyDecision, chain: SequenceChain) {
    return this.#inner.insertEvents(rows, decide, chain);
  }
  readSequencedEvents(query: SequenceQuery) {
    return this.#inner.readSequencedEvents(query);
  }
  getSequenceHead(organizationId: string) {
    return this.#inner.getSequenceHead(organizationId);
  }
  findEvents(query: EventPageQuery) {
    return this.#inner.findEvents(query);
  }
  async *streamEvents(filter: EventFilter, pageSize: number) {
    let after: { occurredAt: Date; id: string } | undefined;
    for (;;) {
      const page = await this.#inner.findEvents({ ...filter, order: 'asc', limit: pageSize, after });
      const last = page.at(-1);
      if (!last) return;
      yield page;
      after = { occurredAt: last.occurredAt, id: last.id };
    }
  }
  deleteEventsThrough(organizationId: string, through: number, limit: number) {
    return this.#inner.deleteEventsThrough(organizationId, through, limit);
  }
  insertCheckpoint(checkpoint: Checkpoint) {
    return this.#inner.insertCheckpoint(checkpoint);
  }
  listCheckpoints(query: CheckpointQuery) {
    return this.#inner.listCheckpoints(query);
  }
  deleteEventsBefore(organizationId: string, before: Date, limit: number) {
    return this.#inner.deleteEventsBefore(organizationId, before, limit);
  }
  summarizeEvents(query: EventSummaryQuery) {
    return this.#inner.summarizeEvents(query);
  }
  insertSchema(schema: AuditLogSchema) {
    return this.#inner.insertSchema(schema);
  }
  getSchema(action: string, version?: number) {
    return this.#inner.getSchema(action, version);
  }
  listSchemas(query: SchemaPageQuery) {
    return this.#inner.listSchemas(query);
  }
  listActions(query: ActionPageQuery) {
    return this.#inner.listActions(query);
  }
  insertExport(record: ExportRecord) {
    return this.#inner.insertExport(record);
  }
  updateExport(record: ExportRecord) {
    return this.#inner.updateExport(record);
  }
  getExport(id: string) {
    return this.#inner.getExport(id);
  }
  updateExportIf(record: ExportRecord, expected: ExportExpectation) {
    return this.#inner.updateExportIf(record, expected);
  }
  claimExport(id: string, token: number, updatedAt: Date) {
    return this.#inner.claimExport(id, token, updatedAt);
  }
  listExports(query: ExportPageQuery) {
    return this.#inner.listExports(query);
  }
  setRetention(organizationId: string, days: number | null) {
    return this.#inner.setRetention(organizationId, days);
  }
  getRetention(organizationId: string) {
    return this.#inner.getRetention(organizationId);
  }
  acquireLease(request: LeaseRequest) {
    return this.#inner.acquireLease(request);
  }
  releaseLease(name: string, holder: string) {
    return this.#inner.releaseLease(name, holder);
  }
  listRetention() {
    return this.#inner.listRetention();
  }
  insertLogStream(record: LogStreamRecord) {
    return this.#inner.insertLogStream(record);
  }
  getLogStream(id: string) {
    return this.#inner.getLogStream(id);
  }
  listLogStreams(query: LogStreamQuery) {
    return this.#inner.listLogStreams(query);
  }
  updateLogStream(id: string, change: LogStreamChange, when?: LogStreamCondition) {
    return this.#inner.updateLogStream(id, change, when);
  }
  deleteLogStream(id: string) {
    return this.#inner.deleteLogStream(id);
  }
}

runStoreConformance({ makeStore: () => new ForwardingStore() });

it('opens an audit log on a store whose methods live on its prototype', async () => {
  const store = new ForwardingStore();
  expect(Object.keys(store)).not.toContain('open');
  const auditLog = await createAuditLog({ store, requireSchemas: false });
  const created = await auditLog.createEvent('org_1', {
    action: 'user.signed_in',
    occurredAt: new Date('2024-01-01T00:00:00Z'),
    actor: { type: 'user', id: 'user_1' },
    targets: [],
    context: { location: '127.0.0.1' },
  });
  const listed = await auditLog.listEvents({ organizationId: 'org_1' });
  expect(listed.data.map((event) => event.id)).toEqual([created.id]);
  await auditLog.close();
});

it('rejects a store without one of the contract methods as invalid_request naming it', async () => {
  const { getRetention: _missing, ...incomplete } = memoryStore();
  await expect(createAuditLog({ store: incomplete as AuditStore })).rejects.toMatchObject({
    code: 'invalid_request',
    errors: [{ path: 'store.getRetention' }],
  });
});
