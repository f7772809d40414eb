import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Db, MongoServerError } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { serverTime } from './mongo-leases.js';

type Mutexes = MongoCollections['mutexes'];

/** How long a mutex document outlives a process that died inside its critical section. */
const MUTEX_TTL_MS = 10_000;
/** How long a caller waits for a mutex before failing. */
const MUTEX_WAIT_MS = 30_000;

const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === 11000;

/**
 * Runs `critical` while holding the mutex `key` of this database: a document whose `_id` only
 * one process can insert. Every conditional write of leases and export records runs inside one,
 * because single-document conditional updates are atomic on MongoDB but not on FerretDB 1.x
 * (racing `findOneAndUpdate`s with the same filter all match there), while a unique `_id` insert
 * is atomic on both. A mutex left by a process that died inside its critical section (a few
 * milliseconds: one read and one write) is broken once it is `MUTEX_TTL_MS` old by the server's clock.
 */
export async function withMutex<T>(
  mutexes: Mutexes,
  db: Db,
  key: string,
  critical: (now: Date) => Promise<T>,
): Promise<T> {
  const nonce = randomUUID();
  const deadline = Date.now() + MUTEX_WAIT_MS;
  let now = await serverTime(db);
  for (let attempt = 0; ; attempt++) {
    try {
      await mutexes.insertOne({ _id: key, nonce, expires_at: new Date(now.getTime() + MUTEX_TTL_MS) });
      break;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const held = await mutexes.findOne({ _id: key });
    if (held && held.expires_at.getTime() <= now.getTime()) {
      await mutexes.deleteOne({ _id: key, nonce: held.nonce });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`the MongoDB mutex "${key}" stayed busy for ${MUTEX_WAIT_MS} ms`);
    await sleep(5 + Math.random() * Math.min(50, 5 * (attempt + 1)));
    now = await serverTime(db);
  }
  try {
    return await critical(now);
  } finally {
    await mutexes.deleteOne({ _id: key, nonce });
  }
}
