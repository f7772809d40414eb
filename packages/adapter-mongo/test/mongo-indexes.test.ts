import { readFile } from 'node:fs/promises';
import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { expect, it } from 'vitest';
import { rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const raw = useRawClient(databases.url);

const EXPECTED = {
  events: {
    organization_time_id: { organization_id: 1, occurred_at: 1, _id: 1 },
    organization_action_time: { organization_id: 1, action: 1, occurred_at: 1 },
    organization_actor_id_time: { organization_id: 1, 'actor.id': 1, occurred_at: 1 },
    organization_actor_name_time: { organization_id: 1, 'actor.name': 1, occurred_at: 1 },
    organization_target_type_time: { organization_id: 1, 'targets.type': 1, occurred_at: 1 },
  },
  links: { organization_position: { organization_id: 1, position: 1 } },
  schemas: { action_version: { action: 1, version: 1 } },
};

it('creates every index at open, idempotently, from many stores at once', async () => {
  const dbName = databases.next();
  const logs = await Promise.all(
    Array.from({ length: 6 }, () => createAuditLog({ store: mongoStore({ client: raw, dbName }) })),
  );
  await Promise.all(logs.map((log) => log.close()));
  // And once more on the existing indexes, as every later start-up does.
  await (await createAuditLog({ store: mongoStore({ client: raw, dbName }) })).close();

  const collections = rawCollections(raw, dbName);
  for (const [collection, expected] of Object.entries(EXPECTED) as [keyof typeof EXPECTED, object][]) {
    const indexes = await collections[collection].indexes();
    const found = Object.fromEntries(
      indexes.filter((index) => index.name !== '_id_').map((index) => [index.name, index.key]),
    );
    expect(found, collection).toEqual(expected);
  }
  const [schemaIndex] = (await collections.schemas.indexes()).filter(
    (index) => index.name === 'action_version',
  );
  expect(schemaIndex?.unique).toBe(true);
  const [positionIndex] = (await collections.links.indexes()).filter(
    (index) => index.name === 'organization_position',
  );
  expect(positionIndex?.unique).toBe(true);
});

it('documents every index in the README', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  for (const name of [
    ...Object.keys(EXPECTED.events),
    ...Object.keys(EXPECTED.links),
    ...Object.keys(EXPECTED.schemas),
  ]) {
    expect(readme, name).toContain(`\`${name}\``);
  }
});
