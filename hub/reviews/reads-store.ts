/**
 * Reads (docs/hub.md#reads): a radiologist's signed report of one study — an explicit present/absent per finding
 * class, an impression — versioned: 1 is the read, 2+ are addenda, and no version is ever changed. One transaction
 * checks the rules (read-rules.ts), the reader's claim and the version the reader saw, writes the read and its
 * per-finding decisions, marks the study read (first signing time kept for turnaround), releases the signer's
 * claim and appends the audit entry. Refusals are CxrErrors with the API's codes and details.
 */
import { type Selectable, sql } from 'kysely';
import { CxrError } from '../../models/errors.ts';
import type { Tier } from '../../models/triage/triage-policy.ts';
import { createAuditStore } from '../accounts/audit-store.ts';
import type { HubDb } from '../db/database.ts';
import { countWhere } from '../db/dialect-sql.ts';
import type { ReadsTable } from '../db/tables.ts';
import { httpError } from '../http/errors.ts';
import { storedTriage } from '../results/result-row.ts';
import { checkRead, type Decision } from './read-rules.ts';

export interface SignInput {
  resultId: string;
  reader: string;
  decisions: Record<string, Decision>;
  impression: string;
  normal: boolean;
  agreedWithAi: boolean;
  /** The latest version the reader saw; 0 when there was none. */
  basedOn: number;
  source?: string;
}

export interface StoredRead {
  version: number;
  reader: string;
  signedAt: string;
  decisions: Record<string, Decision>;
  impression: string;
  normal: boolean;
  agreedWithAi: boolean;
}

/** What the reports to the clinic and the live events need about the study a read was signed for. */
export interface SignedStudy {
  resultId: string;
  site: string;
  agent: string;
  imageKey: string;
  studyKey: string | null;
  modelName: string;
  modelVersion: string;
  tier: Tier;
  score: number;
  probabilities: Record<string, number>;
  aiFindings: string[];
}

export interface FindingAgreement {
  class: string;
  reads: number;
  agree: number;
  aiCalledPresent: number;
  aiCalledAbsent: number;
  aiMissedPresent: number;
  aiClearAbsent: number;
}

/** Runs inside the signing transaction, e.g. to queue the report for the clinic in the same commit. */
export type InSigning = (tx: HubDb, read: StoredRead, study: SignedStudy) => Promise<void>;

export interface ReadsStore {
  sign(input: SignInput, now: Date, inSigning?: InSigning): Promise<{ read: StoredRead; study: SignedStudy }>;
  list(resultRow: number): Promise<StoredRead[]>;
  /** Per finding, on the latest version of each study's read: explicit decisions only. */
  agreement(): Promise<FindingAgreement[]>;
}

const toRead = (row: Selectable<ReadsTable>): StoredRead => ({
  version: row.version,
  reader: row.reader,
  signedAt: row.signed_at,
  decisions: JSON.parse(row.decisions),
  impression: row.impression,
  normal: row.normal === 1,
  agreedWithAi: row.agreed_with_ai === 1,
});

export function createReadsStore(db: HubDb): ReadsStore {
  const sign = async (tx: HubDb, input: SignInput, now: Date, inSigning?: InSigning) => {
    const result = await tx.kysely
      .selectFrom('results')
      .select([
        'id',
        'result_id',
        'site',
        'agent',
        'image_key',
        'study_key',
        'model_name',
        'model_version',
        'tier',
        'score',
        'triage',
        'classes',
        'flags',
        'probabilities',
        'status',
      ])
      .where('result_id', '=', input.resultId)
      .executeTakeFirst();
    if (!result) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no such study');
    const triage = storedTriage(result);
    const model = { findingClasses: triage.findingClasses, normalClass: triage.normalClass ?? null };
    const problem = checkRead(model, {
      decisions: input.decisions,
      impression: input.impression,
      normal: input.normal,
    });
    if (problem) throw httpError(problem.code, problem.message, { classes: problem.classes });
    const nowMs = now.getTime();
    const claim = await tx.kysely
      .selectFrom('claims')
      .select(['holder', 'claimed_at', 'expires_ms'])
      .where('result_row', '=', result.id)
      .where('expires_ms', '>', nowMs)
      .executeTakeFirst();
    if (claim && claim.holder !== input.reader) {
      throw httpError('CXR_ERR_HUB_STUDY_CLAIMED', `being read by ${claim.holder}: take over first`, {
        claim: { by: claim.holder, at: claim.claimed_at, expiresAt: new Date(claim.expires_ms).toISOString() },
      });
    }
    const latest = await tx.kysely
      .selectFrom('reads')
      .selectAll()
      .where('result_row', '=', result.id)
      .orderBy('version', 'desc')
      .executeTakeFirst();
    const latestVersion = latest?.version ?? 0;
    if (input.basedOn !== latestVersion) {
      throw httpError(
        'CXR_ERR_HUB_READ_CONFLICT',
        `version ${latestVersion} was signed by ${latest?.reader ?? 'nobody'} after you opened the study: reload it`,
        { latestVersion },
      );
    }
    const version = latestVersion + 1;
    const decisions = Object.fromEntries(model.findingClasses.map((c) => [c, input.decisions[c] as Decision]));
    const read: StoredRead = {
      version,
      reader: input.reader,
      signedAt: now.toISOString(),
      decisions,
      impression: input.impression,
      normal: input.normal,
      agreedWithAi: input.agreedWithAi,
    };
    const inserted = await tx.kysely
      .insertInto('reads')
      .values({
        result_row: result.id,
        version,
        reader: read.reader,
        signed_at: read.signedAt,
        signed_ms: nowMs,
        decisions: JSON.stringify(decisions),
        impression: read.impression,
        normal: read.normal ? 1 : 0,
        agreed_with_ai: read.agreedWithAi ? 1 : 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx.kysely
      .insertInto('read_decisions')
      .values(
        model.findingClasses.map((c) => ({
          read_id: inserted.id,
          result_row: result.id,
          class: c,
          ai_called: triage.findings.includes(c) ? 1 : 0,
          present: decisions[c] === 'present' ? 1 : 0,
        })),
      )
      .execute();
    await tx.kysely
      .updateTable('results')
      .set({ status: 'reviewed', signed_ms: sql`coalesce(signed_ms, ${nowMs})` })
      .where('id', '=', result.id)
      .execute();
    await tx.kysely
      .deleteFrom('claims')
      .where('result_row', '=', result.id)
      .where('holder', '=', input.reader)
      .execute();
    await createAuditStore(tx).append(
      {
        actor: input.reader,
        action: version === 1 ? 'read.sign' : 'read.addendum',
        target: input.resultId,
        before: { status: result.status, version: latestVersion },
        after: { status: 'reviewed', read },
        ...(input.source ? { source: input.source } : {}),
      },
      now,
    );
    const study: SignedStudy = {
      resultId: result.result_id,
      site: result.site,
      agent: result.agent,
      imageKey: result.image_key,
      studyKey: result.study_key,
      modelName: result.model_name,
      modelVersion: result.model_version,
      tier: result.tier,
      score: result.score,
      probabilities: JSON.parse(result.probabilities),
      aiFindings: triage.findings,
    };
    await inSigning?.(tx, read, study);
    return { read, study };
  };

  return {
    async sign(input, now, inSigning) {
      try {
        return await db.transaction((tx) => sign(tx, input, now, inSigning));
      } catch (error) {
        // Two readers signing the same version at once: the UNIQUE (result_row, version) decides.
        if (!(error instanceof CxrError) && /unique|duplicate key/i.test((error as Error).message)) {
          throw httpError(
            'CXR_ERR_HUB_READ_CONFLICT',
            'another read of this study was signed at the same time: reload it',
          );
        }
        throw error;
      }
    },
    async list(resultRow) {
      const rows = await db.kysely
        .selectFrom('reads')
        .selectAll()
        .where('result_row', '=', resultRow)
        .orderBy('version')
        .execute();
      return rows.map(toRead);
    },
    agreement: () =>
      db.kysely
        .selectFrom('read_decisions as d')
        .where(({ eb, selectFrom }) =>
          eb(
            'd.read_id',
            'in',
            selectFrom('reads')
              .select(({ fn }) => fn.max('id').as('id'))
              .groupBy('result_row'),
          ),
        )
        .select([
          'd.class as class',
          sql<number>`CAST(count(*) AS INTEGER)`.as('reads'),
          countWhere(sql`d.ai_called = d.present`).as('agree'),
          countWhere(sql`d.ai_called = 1 AND d.present = 1`).as('aiCalledPresent'),
          countWhere(sql`d.ai_called = 1 AND d.present = 0`).as('aiCalledAbsent'),
          countWhere(sql`d.ai_called = 0 AND d.present = 1`).as('aiMissedPresent'),
          countWhere(sql`d.ai_called = 0 AND d.present = 0`).as('aiClearAbsent'),
        ])
        .groupBy('d.class')
        .orderBy('d.class')
        .execute(),
  };
}
