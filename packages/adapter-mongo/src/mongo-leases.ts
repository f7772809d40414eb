import type { LeaseGrant, LeaseRequest } from '@auditkit/core/store';
import { type Db, MongoServerError } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import type { LeaseDocument } from './mongo-documents.js';

type Leases = MongoCollections['leases'];

/**
 * The server's clock, from `hello`'s `localTime`: leases expire by the database's clock, not by
 * each process's. (Update pipelines with `$$NOW` would save the round trip, but FerretDB 1.x has
 * none.) The answer is at most one round trip old, which only makes a takeover later, never early.
 */
export async function serverTime(db: Db): Promise<Date> {
  const hello = await db.command({ hello: 1 });
  const localTime: unknown = hello.localTime;
  if (!(localTime instanceof Date)) {
    throw new Error('the MongoDB server answered hello without localTime: leases need the server clock');
  }
  return localTime;
}

const toGrant = (document: LeaseDocument): LeaseGrant => ({
  name: document._id,
  holder: document.holder,
  token: document.token,
  expiresAt: document.expires_at,
});

const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === 11000;

/**
 * Grants a lease in at most three conditional writes: renew the holder's live grant (same
 * token), take over an expired one (token + 1), or insert the first one (the `_id` rejects a
 * second insert). The store runs it inside the lease's mutex (`withMutex`), which makes the
 * conditional updates atomic on FerretDB too; on MongoDB each is atomic by itself.
 */
export async function acquireLease(
  leases: Leases,
  now: Date,
  { name, holder, ttlMs }: LeaseRequest,
): Promise<LeaseGrant | undefined> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  for (let attempt = 0; attempt < 2; attempt++) {
    const renewed = await leases.findOneAndUpdate(
      { _id: name, holder, expires_at: { $gt: now } },
      { $set: { expires_at: expiresAt } },
      { returnDocument: 'after' },
    );
    if (renewed) return toGrant(renewed);
    const taken = await leases.findOneAndUpdate(
      { _id: name, expires_at: { $lte: now } },
      { $set: { holder, expires_at: expiresAt }, $inc: { token: 1 } },
      { returnDocument: 'after' },
    );
    if (taken) return toGrant(taken);
    try {
      const document: LeaseDocument = { _id: name, holder, token: 1, expires_at: expiresAt };
      await leases.insertOne(document);
      return toGrant(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The lease exists: held by someone else, or it changed hands since the first two steps.
    }
  }
  return undefined;
}

/** Expires `holder`'s lease at once; never deletes it (its token must keep growing). */
export async function releaseLease(leases: Leases, name: string, holder: string): Promise<void> {
  await leases.updateOne({ _id: name, holder }, { $set: { expires_at: new Date(0) } });
}
