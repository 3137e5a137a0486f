/**
 * The data bench/scale-out.ts sends and stores. `payloads`: real ResultMessages for one agent, each with a 512 px
 * JPEG preview of a sample film (unique trailing bytes, so every blob is a new file) and three 16×16 evidence
 * grids, as JSON. `bulkInsertResults`: N synthetic result rows computed by PostgreSQL in one transaction.
 * Nothing here checks input: the bench makes it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import sharp from 'sharp';
import type { HubDb } from '../../hub/db/database.ts';
import type { ResultMessage } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { resultMessage } from '../../test/hub/fixtures.ts';
import { samplePaths } from '../../test/hub/realistic-result.ts';

/** Real ResultMessages with a 512 px JPEG preview; unique trailing bytes make every blob a new file. */
export async function payloads(address: AgentAddress, n: number): Promise<{ id: string; json: string }[]> {
  const preview = await sharp(samplePaths()[0]!).resize(512, 512, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
  const meta = await sharp(preview).metadata();
  const grid = Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => (i % 16 > 8 ? 40 + i / 2 : 0))).toString(
    'base64',
  );
  const out = [];
  for (let i = 0; i < n; i++) {
    const unique = createHash('sha256').update(`${address.site}${address.agent}${i}${Math.random()}`).digest();
    const base = await resultMessage({ site: address.site, agent: address.agent });
    const message: ResultMessage = {
      ...base,
      preview: {
        mime: 'image/jpeg',
        width: meta.width!,
        height: meta.height!,
        base64: Buffer.concat([preview, unique]).toString('base64'),
      },
      activation: { width: 16, height: 16, maps: { Effusion: grid, Pneumonia: grid, Atelectasis: grid } },
    };
    out.push({ id: message.resultId, json: JSON.stringify(message) });
  }
  return out;
}

/**
 * `rows` synthetic results in one transaction, computed by PostgreSQL (generate_series), with bench/hub.ts's
 * distribution: ~3 % urgent, ~20 % flagged, ~15 % indeterminate, the rest likely normal; 20 sites; every 4th
 * read; one row every 5 s from t0; then their flag rows and fresh planner statistics.
 */
export async function bulkInsertResults(db: HubDb, rows: number, t0: number): Promise<void> {
  await db.transaction(async (tx) => {
    await sql`
      INSERT INTO results (result_id, site, agent, image_key, received_at, scored_at, scored_ms, ingested_at,
        model_name, model_version, runtime, rank, flagged, max_probability, status, classes, probabilities, flags,
        timings, image, tier, tier_rank, score, score_key, arrived_ms, acquired, triage)
      SELECT encode(sha256(convert_to(g.i::text, 'UTF8')), 'hex'), 'site-' || (g.i % 20), 'agent-' || (g.i % 100),
        repeat('ab', 16), t.iso, t.iso, m.ms, t.iso, 'bench', '1.0.0', 'openvino', r.rank,
        CASE WHEN r.rank <= 1 THEN 1 ELSE 0 END, s.score, CASE WHEN g.i % 4 = 0 THEN 'reviewed' ELSE 'unread' END,
        '["Atelectasis","Effusion","Pneumonia"]', '{"Atelectasis":0.1,"Effusion":' || s.score || ',"Pneumonia":0.2}',
        f.flags, '{}', '{"format":"png","rows":1024,"cols":1024}',
        (ARRAY['urgent', 'abnormal', 'indeterminate', 'likely-normal'])[r.rank + 1], r.rank, s.score,
        1000000 - round(least(1, greatest(0, s.score)) * 1000000)::integer, m.ms - (g.i % 11) * 60000,
        CASE WHEN g.i % 3 = 0 THEN 1 ELSE 0 END,
        '{"findings":' || f.flags || ',"urgentFindings":' || CASE WHEN r.rank = 0 THEN '["Effusion"]' ELSE '[]' END ||
          ',"findingClasses":["Atelectasis","Effusion","Pneumonia"],"operatingPoints":{}}'
      FROM generate_series(0, ${rows - 1}::bigint) AS g(i)
      CROSS JOIN LATERAL (SELECT ${t0}::bigint + g.i * 5000 AS ms) m
      CROSS JOIN LATERAL (SELECT to_char(to_timestamp(m.ms / 1000.0) AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso) t
      CROSS JOIN LATERAL (SELECT CASE WHEN g.i % 10 = 0 THEN '["Effusion"]'
        WHEN g.i % 37 = 0 THEN '["Effusion","Pneumonia"]' ELSE '[]' END AS flags) f
      CROSS JOIN LATERAL (SELECT CASE WHEN g.i % 37 = 0 THEN 0 WHEN f.flags <> '[]' THEN 1
        WHEN g.i % 7 = 0 THEN 2 ELSE 3 END AS rank) r
      CROSS JOIN LATERAL (SELECT CASE WHEN r.rank <= 1 THEN 0.5 + ((g.i * 7919) % 500) / 1000.0
        ELSE ((g.i * 7919) % 300) / 1000.0 END AS score) s`.execute(tx.kysely);
    await sql`INSERT INTO result_flags (result_row, class)
      SELECT id, f FROM results, jsonb_array_elements_text(flags::jsonb) AS f`.execute(tx.kysely);
  });
  await sql`ANALYZE results`.execute(db.kysely);
  await sql`ANALYZE result_flags`.execute(db.kysely);
}
