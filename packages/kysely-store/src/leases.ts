import type { AuditStore, LeaseGrant } from '@auditkit/core/store';
import { type Kysely, sql } from 'kysely';
import type { SqlDialectTraits } from './dialect-traits.js';
import type { AuditDatabase } from './tables.js';

/**
 * `acquireLease` and `releaseLease` on one SQL database: each call is one statement, so the
 * database decides who holds a lease (the primary key on `name`, an upsert whose update has a
 * condition), and the database's clock decides when a grant has expired.
 *
 * @example
 * ```ts
 * const { acquireLease, releaseLease } = sqlLeases(db, traits);
 * const grant = await acquireLease({ name: 'export:x', holder: 'me', ttlMs: 30_000 });
 * ```
 */
export function sqlLeases(
  db: Kysely<AuditDatabase>,
  traits: SqlDialectTraits,
): Pick<AuditStore, 'acquireLease' | 'releaseLease'> {
  const clock = traits.schema.databaseTime;
  // The target table by its own name (never schema-qualified), as `ON CONFLICT … DO UPDATE` allows.
  const current = (column: string) => sql.id('auditkit_leases', column);
  const proposed = (column: string) => sql.id('excluded', column);
  return {
    async acquireLease({ name, holder, ttlMs }): Promise<LeaseGrant | undefined> {
      const row = await db
        .insertInto('auditkit_leases')
        .values({ name, holder, token: 1, expires_at: clock(ttlMs) })
        .onConflict((conflict) =>
          conflict
            .column('name')
            .doUpdateSet({
              holder: sql`${proposed('holder')}`,
              expires_at: sql`${proposed('expires_at')}`,
              // The same token for a renewal of a live grant; a new one whenever the lease starts anew.
              token: sql`case when ${current('holder')} = ${proposed('holder')} and ${current('expires_at')} > ${clock(0)} then ${current('token')} else ${current('token')} + 1 end`,
            })
            .where(
              sql<boolean>`${current('holder')} = ${proposed('holder')} or ${current('expires_at')} <= ${clock(0)}`,
            ),
        )
        .returning(['name', 'holder', 'token', 'expires_at'])
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        name: row.name,
        holder: row.holder,
        token: Number(row.token),
        expiresAt: traits.decodeTime(row.expires_at),
      };
    },

    async releaseLease(name, holder) {
      // Expired at once, never deleted: a deleted lease would start its token again at 1.
      await db
        .updateTable('auditkit_leases')
        .set({ expires_at: traits.encodeTime(new Date(0)) })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .execute();
    },
  };
}
