import { describe, expect, it } from 'vitest';
import {
  eventRequestFromWire,
  eventToWire,
  fieldToPointer,
  fieldToWire,
  InvalidEventError,
  listEventsFromQuery,
  schemaFromWire,
  WireFormatError,
} from '../src/wire-format.js';

describe('wire format', () => {
  it('translates field names but never metadata keys, which are user data', () => {
    const { organizationId, event } = eventRequestFromWire({
      organization_id: 'org_1',
      event: {
        action: 'user.signed_in',
        occurred_at: '2024-05-01T12:00:00.000Z',
        actor: { type: 'user', id: 'u1', metadata: { user_agent: 'kept', occurredAt: 'kept too' } },
        targets: [{ type: 'team', id: 't1', metadata: { created_at: 1 } }],
        context: { location: '203.0.113.7', user_agent: 'curl/8' },
        metadata: { range_start: true, rangeEnd: 'x' },
      },
    });
    expect(organizationId).toBe('org_1');
    expect(event).toEqual({
      action: 'user.signed_in',
      occurredAt: '2024-05-01T12:00:00.000Z',
      actor: { type: 'user', id: 'u1', metadata: { user_agent: 'kept', occurredAt: 'kept too' } },
      targets: [{ type: 'team', id: 't1', metadata: { created_at: 1 } }],
      context: { location: '203.0.113.7', userAgent: 'curl/8' },
      metadata: { range_start: true, rangeEnd: 'x' },
    });
  });

  it('writes stored events in snake_case, metadata untouched', () => {
    const wire = eventToWire({
      object: 'audit_log_event',
      id: 'audit_log_event_1',
      organizationId: 'org_1',
      action: 'a',
      version: 2,
      occurredAt: new Date('2024-05-01T12:00:00.000Z'),
      actor: { type: 'user', id: 'u1', metadata: { userAgent: 'x' } },
      targets: [],
      context: { location: 'l', userAgent: 'ua' },
      metadata: { receivedAt: 'y' },
      receivedAt: new Date('2024-05-01T12:00:01.000Z'),
    });
    expect(wire).toEqual({
      object: 'audit_log_event',
      id: 'audit_log_event_1',
      organization_id: 'org_1',
      action: 'a',
      version: 2,
      occurred_at: '2024-05-01T12:00:00.000Z',
      actor: { type: 'user', id: 'u1', metadata: { userAgent: 'x' } },
      targets: [],
      context: { location: 'l', user_agent: 'ua' },
      metadata: { receivedAt: 'y' },
      received_at: '2024-05-01T12:00:01.000Z',
    });
  });

  it('renames error paths up to a metadata segment, and writes them as JSON Pointers', () => {
    expect(fieldToWire('context.userAgent')).toBe('context.user_agent');
    expect(fieldToWire('occurredAt')).toBe('occurred_at');
    expect(fieldToWire('targets[0].metadata.createdAt')).toBe('targets[0].metadata.createdAt');
    expect(fieldToWire('metadata.rangeStart')).toBe('metadata.rangeStart');
    expect(fieldToPointer('targets[0].metadata.plan_tier')).toBe('/targets/0/metadata/plan_tier');
    expect(fieldToPointer('occurred_at')).toBe('/occurred_at');
    expect(fieldToPointer('')).toBe('');
  });

  it('reports unknown and camelCase event fields as an invalid event', () => {
    const attempt = () =>
      eventRequestFromWire({
        organization_id: 'org_1',
        event: { action: 'a', occurredAt: 'now', context: { location: 'l', userAgent: 'x' } },
      });
    expect(attempt).toThrow(InvalidEventError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidEventError).problems).toEqual([
        { field: 'occurredAt', code: 'unknown_field', message: 'is not a known field' },
        { field: 'context.userAgent', code: 'unknown_field', message: 'is not a known field' },
      ]);
    }
  });

  it('drops the empty actor schema the SDK always sends, and keeps a real one', () => {
    const sdkBody = {
      actor: { metadata: { type: 'object', properties: {} } },
      targets: [{ type: 'team' }],
    };
    expect(schemaFromWire('team.created', sdkBody)).toEqual({
      action: 'team.created',
      targets: [{ type: 'team' }],
    });
    const withActor = {
      actor: {
        metadata: { type: 'object', properties: { role: { type: 'string' } }, additionalProperties: false },
      },
      targets: [{ type: 'team' }],
    };
    expect(schemaFromWire('x', withActor)).toEqual({ action: 'x', ...withActor });
    // The WorkOS spec requires at least one target type.
    expect(() => schemaFromWire('x', { targets: [] })).toThrow(
      /targets must declare at least one target type/,
    );
    expect(() => schemaFromWire('x', { action: 'y', targets: [] })).toThrow(WireFormatError);
  });

  it('reads list filters from repeated and bracketed query parameters', () => {
    const query = new URLSearchParams(
      'organization_id=org_1&actions=a,b&actions=c&actor_ids[]=u1&actor_ids[]=u2&limit=25&range_start=2024-01-01',
    );
    expect(listEventsFromQuery(query).options).toEqual({
      organizationId: 'org_1',
      actions: ['a,b', 'c'],
      actorIds: ['u1', 'u2'],
      limit: 25,
      rangeStart: '2024-01-01',
    });
    expect(() => listEventsFromQuery(new URLSearchParams('organization_id=a&organization_id=b'))).toThrow(
      /organization_id must be given once/,
    );
    expect(() => listEventsFromQuery(new URLSearchParams('organizationId=a'))).toThrow(
      /not a known parameter/,
    );
  });
});
