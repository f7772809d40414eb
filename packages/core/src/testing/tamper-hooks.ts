/**
 * Direct edits of an adapter's database, below AuditKit, with the raw driver: what someone with
 * database access could do. The tamper cases of the conformance suite drive them and assert
 * that `verify` names the exact position. Each acts on the database `makeStore` last created.
 *
 * @example
 * ```ts
 * const tamper: RawTamper = {
 *   setAction: (org, position, action) => db.prepare('update auditkit_events set action = ? where organization_id = ? and position = ?').run(action, org, position),
 *   // …
 * };
 * ```
 */
export interface RawTamper {
  /** Changes one field (the action) of the event at `position`, leaving its hashes as they are. */
  setAction(organizationId: string, position: number, action: string): Promise<void>;
  /** Deletes the event at `position` (and only its row). */
  deleteEvent(organizationId: string, position: number): Promise<void>;
  /** Moves the event at `from` to the free position `to` (`to` may be negative, as a parking spot). */
  setPosition(organizationId: string, from: number, to: number): Promise<void>;
  /**
   * Writes a copy of the event at `from` as a new event with the given identity and link, as a
   * forger would add an event.
   */
  copyEvent(
    organizationId: string,
    from: number,
    row: { id: string; idempotencyKey: string; position: number; hash: string; previousHash: string },
  ): Promise<void>;
  /** Overwrites the stored hash and previous hash of the event at `position`. */
  setLink(
    organizationId: string,
    position: number,
    link: { hash: string; previousHash: string },
  ): Promise<void>;
  /** Overwrites the organization's sequence head. */
  setHead(organizationId: string, head: { position: number; hash: string }): Promise<void>;
  /** Overwrites the hash of the stored checkpoint(s) of size `size`. */
  setCheckpointHash(organizationId: string, size: number, hash: string): Promise<void>;
  /** Deletes every stored checkpoint of the organization. */
  deleteCheckpoints(organizationId: string): Promise<void>;
}
