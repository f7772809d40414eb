import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError, expectErrorAt } from './expect-error.js';
import { countEvents, ORG_A, signInEvent } from './fixtures.js';

export function schemaCases(context: ConformanceContext): void {
  describe('schemas', () => {
    it('creates version 1, returns it on an identical re-declaration, and adds version 2 on a change', async () => {
      const log = await context.open();
      const first = await log.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
      expect(first).toMatchObject({
        object: 'audit_log_schema',
        action: 'user.signed_in',
        version: 1,
        targets: [{ type: 'team' }],
      });
      expect(first.createdAt).toBeInstanceOf(Date);
      const again = await log.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
      expect(again).toEqual(first);
      const changed = await log.createSchema({
        action: 'user.signed_in',
        targets: [{ type: 'team' }],
        metadata: { method: 'string' },
      });
      expect(changed.version).toBe(2);
      const versions = await log.listSchemas({ action: 'user.signed_in', order: 'asc' });
      expect(versions.data.map((schema) => schema.version)).toEqual([1, 2]);
    });

    it('treats the SDK shorthand and the equivalent JSON Schema as the same definition', async () => {
      const log = await context.open();
      const shorthand = await log.createSchema({
        action: 'document.shared',
        targets: [{ type: 'team' }, { type: 'document', metadata: { folder: 'string' } }],
        actor: { metadata: { role: 'string' } },
        metadata: { count: 'number', public: 'boolean' },
      });
      expect(shorthand.metadata).toEqual({
        type: 'object',
        properties: { count: { type: 'number' }, public: { type: 'boolean' } },
      });
      const jsonSchema = await log.createSchema({
        action: 'document.shared',
        targets: [
          { type: 'document', metadata: { type: 'object', properties: { folder: { type: 'string' } } } },
          { type: 'team' },
        ],
        actor: { metadata: { type: 'object', properties: { role: { type: 'string' } } } },
        metadata: { type: 'object', properties: { public: { type: 'boolean' }, count: { type: 'number' } } },
      });
      expect(jsonSchema.version).toBe(1);
    });

    it('rejects events for an unknown action or version, undeclared targets and metadata that breaks the schema', async () => {
      const log = await context.open();
      await log.createSchema({
        action: 'user.signed_in',
        targets: [
          {
            type: 'team',
            metadata: { type: 'object', properties: { size: { type: 'integer' } }, required: ['size'] },
          },
        ],
        actor: { metadata: { role: 'string' } },
        metadata: {
          type: 'object',
          properties: { method: { type: 'string', enum: ['password', 'sso'] } },
          additionalProperties: false,
        },
      });
      const team = { type: 'team', id: 't1', metadata: { size: 3 } };
      await log.createEvent(ORG_A, signInEvent({ targets: [team], metadata: { method: 'sso' } }));

      const rejected: [Parameters<typeof signInEvent>[0], string][] = [
        [{ action: 'user.unknown', targets: [team] }, 'action'],
        [{ version: 2, targets: [team] }, 'version'],
        [{ targets: [team, { type: 'document', id: 'd1' }] }, 'targets[1].type'],
        [{ targets: [{ type: 'team', id: 't1' }] }, 'targets[0].metadata.size'],
        [{ targets: [{ type: 'team', id: 't1', metadata: { size: 2.5 } }] }, 'targets[0].metadata.size'],
        [{ targets: [team], actor: { type: 'user', id: 'u', metadata: { role: 7 } } }, 'actor.metadata.role'],
        [{ targets: [team], metadata: { method: 'magic' } }, 'metadata.method'],
        [{ targets: [team], metadata: { method: 'sso', extra: 'x' } }, 'metadata'],
      ];
      for (const [override, path] of rejected) {
        const error = await expectAuditKitError(
          log.createEvent(ORG_A, signInEvent(override)),
          'invalid_audit_log_event',
        );
        expectErrorAt(error, path);
      }
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('validates each event against the schema version it names', async () => {
      const log = await context.open();
      await log.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
      await log.createSchema({ action: 'user.signed_in', targets: [{ type: 'user' }] });
      const asUser = { targets: [{ type: 'user', id: 'u2' }] };
      await log.createEvent(ORG_A, signInEvent());
      await expectAuditKitError(log.createEvent(ORG_A, signInEvent(asUser)), 'invalid_audit_log_event');
      const v2 = await log.createEvent(ORG_A, signInEvent({ ...asUser, version: 2 }));
      expect(v2.version).toBe(2);
      await expectAuditKitError(
        log.createEvent(ORG_A, signInEvent({ version: 2 })),
        'invalid_audit_log_event',
      );
    });

    it('accepts events without a schema only when requireSchemas is false', async () => {
      const strict = await context.open();
      const error = await expectAuditKitError(
        strict.createEvent(ORG_A, signInEvent()),
        'invalid_audit_log_event',
      );
      expect(error.message).toMatch(/createSchema/);
      const relaxed = await context.open({ requireSchemas: false });
      expect((await relaxed.createEvent(ORG_A, signInEvent())).replayed).toBe(false);
    });

    it('rejects invalid schema definitions with invalid_request', async () => {
      const log = await context.open();
      const invalid: unknown[] = [
        { targets: [{ type: 'team' }] },
        { action: 'a', targets: 'team' },
        { action: 'a', targets: [{ type: 'team' }, { type: 'team' }] },
        { action: 'a', targets: [{ type: 'team', metadata: { key: 'date' } }] },
        { action: 'a', targets: [], metadata: { type: 'object', properties: { k: { type: 'object' } } } },
        {
          action: 'a',
          targets: [],
          metadata: { type: 'object', properties: { 'bad key': { type: 'string' } } },
        },
        { action: 'a', targets: [], metadata: { type: 'object', properties: {}, patternProperties: {} } },
        {
          action: 'a',
          targets: [],
          metadata: { type: 'object', properties: { k: { type: 'string', pattern: '(' } } },
        },
      ];
      for (const definition of invalid) {
        await expectAuditKitError(log.createSchema(definition as never), 'invalid_request');
      }
      expect((await log.listActions()).data).toEqual([]);
    });

    it('pages schema versions with limit, after, before and order', async () => {
      const log = await context.open();
      for (let i = 1; i <= 5; i++) {
        await log.createSchema({
          action: 'report.run',
          targets: [{ type: 'report' }],
          metadata: { [`v${i}`]: 'string' },
        });
      }
      const newest = await log.listSchemas({ action: 'report.run', limit: 2 });
      expect(newest.data.map((schema) => schema.version)).toEqual([5, 4]);
      expect(newest.listMetadata.before).toBeNull();
      const next = await log.listSchemas({
        action: 'report.run',
        limit: 2,
        after: newest.listMetadata.after ?? '',
      });
      expect(next.data.map((schema) => schema.version)).toEqual([3, 2]);
      const last = await log.listSchemas({
        action: 'report.run',
        limit: 2,
        after: next.listMetadata.after ?? '',
      });
      expect(last.data.map((schema) => schema.version)).toEqual([1]);
      expect(last.listMetadata.after).toBeNull();
      const back = await log.listSchemas({
        action: 'report.run',
        limit: 2,
        before: last.listMetadata.before ?? '',
      });
      expect(back.data.map((schema) => schema.version)).toEqual([3, 2]);
      const ascending = await log.listSchemas({ action: 'report.run', order: 'asc', limit: 3 });
      expect(ascending.data.map((schema) => schema.version)).toEqual([1, 2, 3]);
      await expectAuditKitError(
        log.listSchemas({ action: 'report.run', after: 'garbage' }),
        'invalid_request',
      );
      await expectAuditKitError(log.listSchemas({ action: 'report.run', limit: 0 }), 'invalid_request');
      expect((await log.listSchemas({ action: 'nothing.here' })).data).toEqual([]);
    });

    it('lists actions with their latest schema', async () => {
      const log = await context.open();
      await log.createSchema({ action: 'b.action', targets: [{ type: 't' }] });
      await log.createSchema({ action: 'a.action', targets: [{ type: 't' }] });
      await log.createSchema({ action: 'a.action', targets: [{ type: 'u' }] });
      const actions = await log.listActions({ order: 'asc' });
      expect(actions.data.map((action) => [action.name, action.schema.version])).toEqual([
        ['a.action', 2],
        ['b.action', 1],
      ]);
      const page = await log.listActions({ order: 'asc', limit: 1 });
      const rest = await log.listActions({ order: 'asc', limit: 1, after: page.listMetadata.after ?? '' });
      expect(rest.data.map((action) => action.name)).toEqual(['b.action']);
    });

    it('ends concurrent declarations of one schema on a single version', async () => {
      const log = await context.open();
      const declared = await Promise.all(
        Array.from({ length: 10 }, () =>
          log.createSchema({ action: 'race.schema', targets: [{ type: 'team' }] }),
        ),
      );
      expect(new Set(declared.map((schema) => schema.version))).toEqual(new Set([1]));
      expect((await log.listSchemas({ action: 'race.schema' })).data).toHaveLength(1);
    });
  });
}
