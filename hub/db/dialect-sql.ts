/**
 * The few SQL expressions that differ between SQLite and PostgreSQL, as Kysely raw fragments. Everything
 * else the stores write once: upserts (`ON CONFLICT … DO UPDATE`), `RETURNING`, row-value keyset
 * comparisons and `CAST(… AS INTEGER)` mean the same on both engines.
 */
import { type RawBuilder, sql } from 'kysely';
import type { HubDialect } from './database.ts';

/**
 * JSON merge patch of two JSON texts (RFC 7396 on SQLite; on PostgreSQL jsonb `||`, a shallow merge,
 * which is the same for the flat objects the hub merges).
 */
export function jsonMergePatch(dialect: HubDialect, target: RawBuilder<unknown>, patch: RawBuilder<unknown>) {
  return dialect === 'sqlite'
    ? sql<string>`json_patch(${target}, ${patch})`
    : sql<string>`((${target})::jsonb || (${patch})::jsonb)::text`;
}

/** The UTC day (`YYYY-MM-DD`) of a column holding epoch milliseconds. */
export function utcDayOfMs(dialect: HubDialect, column: string) {
  return dialect === 'sqlite'
    ? sql<string>`strftime('%Y-%m-%d', ${sql.ref(column)} / 1000, 'unixepoch')`
    : sql<string>`to_char(to_timestamp(${sql.ref(column)} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
}

/** `count(*)` as a JS number on both engines (PostgreSQL's is BIGINT). */
export const countAll = () => sql<number>`CAST(count(*) AS INTEGER)`;

/** How many rows of the group satisfy `condition`. */
export const countWhere = (condition: RawBuilder<unknown>) =>
  sql<number>`CAST(coalesce(sum(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0) AS INTEGER)`;
