/**
 * Claims (docs/hub.md#claims): who is reading a study, until when. Opening a study claims it; the viewer renews
 * the claim while its reader is active and it lapses `ttlMs` after the last renewal. Claiming a study someone
 * else holds is refused (CXR_ERR_HUB_STUDY_CLAIMED, with their claim) unless it is an explicit takeover, which
 * is audited with whose claim it was; releasing someone else's claim is for admins and audited too.
 */
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import { httpError } from '../http/errors.ts';

export interface Claim {
  by: string;
  at: string;
  expiresAt: string;
}

export interface ClaimRequest {
  resultId: string;
  user: string;
  takeOver: boolean;
  source?: string;
}

export interface ClaimsStore {
  claim(request: ClaimRequest, now: Date): Promise<Claim>;
  /** Releases `user`'s claim, or anyone's when `asAdmin`; resolves to the claim released, if any. */
  release(
    request: { resultId: string; user: string; asAdmin: boolean; source?: string },
    now: Date,
  ): Promise<Claim | null>;
}

const toClaim = (row: { holder: string; claimed_at: string; expires_ms: number }): Claim => ({
  by: row.holder,
  at: row.claimed_at,
  expiresAt: new Date(row.expires_ms).toISOString(),
});

export function createClaimsStore(db: HubDb, ttlMs: number): ClaimsStore {
  const resultRowOf = async (tx: HubDb, resultId: string) => {
    const row = await tx.kysely.selectFrom('results').select('id').where('result_id', '=', resultId).executeTakeFirst();
    if (!row) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
    return row.id;
  };
  const current = (tx: HubDb, resultRow: number) =>
    tx.kysely
      .selectFrom('claims')
      .select(['holder', 'claimed_at', 'expires_ms'])
      .where('result_row', '=', resultRow)
      .executeTakeFirst();

  return {
    claim: (request, now) =>
      db.transaction(async (tx) => {
        const resultRow = await resultRowOf(tx, request.resultId);
        const nowMs = now.getTime();
        const existing = await current(tx, resultRow);
        const live = existing !== undefined && existing.expires_ms > nowMs;
        const theirs = live && existing.holder !== request.user;
        if (theirs && !request.takeOver) {
          throw httpError('CXR_ERR_HUB_STUDY_CLAIMED', `being read by ${existing.holder}`, {
            claim: toClaim(existing),
          });
        }
        const renewal = live && existing.holder === request.user;
        const row = {
          result_row: resultRow,
          holder: request.user,
          claimed_at: renewal ? existing.claimed_at : now.toISOString(),
          expires_ms: nowMs + ttlMs,
        };
        await tx.kysely
          .insertInto('claims')
          .values(row)
          .onConflict((oc) =>
            oc
              .column('result_row')
              .doUpdateSet({ holder: row.holder, claimed_at: row.claimed_at, expires_ms: row.expires_ms }),
          )
          .execute();
        if (theirs) {
          await createAuditStore(tx).append(
            {
              actor: request.user,
              action: 'claim.takeover',
              target: request.resultId,
              before: { claim: toClaim(existing) },
              after: { claim: toClaim(row) },
              ...(request.source ? { source: request.source } : {}),
            },
            now,
          );
        }
        return toClaim(row);
      }),
    release: (request, now) =>
      db.transaction(async (tx) => {
        const resultRow = await resultRowOf(tx, request.resultId);
        const existing = await current(tx, resultRow);
        if (!existing) return null;
        const theirs = existing.holder !== request.user;
        if (theirs && !request.asAdmin) {
          if (existing.expires_ms <= now.getTime()) return null; // a lapsed claim: nothing to release
          throw httpError('CXR_ERR_HUB_STUDY_CLAIMED', `being read by ${existing.holder}`, {
            claim: toClaim(existing),
          });
        }
        await tx.kysely.deleteFrom('claims').where('result_row', '=', resultRow).execute();
        if (theirs) {
          await createAuditStore(tx).append(
            {
              actor: request.user,
              action: 'claim.release',
              target: request.resultId,
              before: { claim: toClaim(existing) },
              after: { claim: null },
              ...(request.source ? { source: request.source } : {}),
            },
            now,
          );
        }
        return toClaim(existing);
      }),
  };
}
