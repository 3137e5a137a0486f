/** Schemas of the rollout and pin routes, and the mapping from stored rows to the rollout view. */
import { Type } from '@sinclair/typebox';
import { MODEL_STATES } from '../../protocol/messages.ts';
import { Nullable } from '../http/nullable.ts';
import type { RolloutAgent } from './rollout-agents-store.ts';
import { TERMINAL_STATES } from './rollout-policy.ts';
import type { Rollout } from './rollouts-store.ts';
import { RolloutWaveSchema } from './wave.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const AgentKey = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-]{1,64}$', description: 'site/agent' });

export const RolloutTargetSchema = Type.Union([
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object({ sites: Type.Array(Id, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  Type.Object({ agents: Type.Array(AgentKey, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }),
]);

export const StartRolloutBody = Type.Object(
  {
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    alias: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    target: RolloutTargetSchema,
    waves: Type.Optional(Type.Array(RolloutWaveSchema, { minItems: 1, maxItems: 20 })),
    waitS: Type.Optional(Type.Number({ minimum: 0, maximum: 7 * 86_400 })),
    abortFailureFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    shadow: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * What the dashboard shows for an agent: its reported state; `offline` while it is away before reaching a
 * terminal state; after an abort/rollback `reverting`, `reverted` or `rollback-impossible`.
 */
export const SHOWN_STATES = [...MODEL_STATES, 'offline', 'reverting', 'reverted', 'rollback-impossible'] as const;

export function shownState(row: RolloutAgent, online: boolean): (typeof SHOWN_STATES)[number] {
  if (row.phase === 'revert') {
    if (row.revertState === 'impossible') return 'rollback-impossible';
    if (row.revertState === 'active') return 'reverted';
    return online ? 'reverting' : 'offline';
  }
  if (!online && !TERMINAL_STATES.has(row.state)) return 'offline';
  return row.state;
}

export const RolloutAgentView = Type.Object({
  site: Type.String(),
  agent: Type.String(),
  wave: Type.Integer(),
  shown: Type.Union(SHOWN_STATES.map((s) => Type.Literal(s))),
  state: Type.String({ description: 'last state reported for the rollout version' }),
  online: Type.Boolean(),
  previousVersion: Nullable(Type.String()),
  phase: Type.Union([Type.Literal('target'), Type.Literal('revert')]),
  revertVersion: Nullable(Type.String()),
  revertState: Nullable(Type.String()),
  activeVersion: Nullable(Type.String()),
  code: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  bytes: Nullable(Type.Integer()),
  totalBytes: Nullable(Type.Integer()),
  agreement: Nullable(Type.Number()),
  updatedAt: Type.String(),
});

export const RolloutView = Type.Object({
  id: Type.String(),
  version: Type.String(),
  status: Type.Union(['running', 'paused', 'completed', 'aborted', 'rolled-back'].map((s) => Type.Literal(s))),
  reason: Nullable(Type.String()),
  target: RolloutTargetSchema,
  targetCount: Type.Integer({ description: 'agents targeted at start' }),
  waves: Type.Array(RolloutWaveSchema),
  wavesIssued: Type.Integer(),
  waitS: Type.Number(),
  abortFailureFraction: Type.Number(),
  shadow: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'agents per shown state' }),
  agents: Type.Array(RolloutAgentView),
});

export function rolloutView(
  rollout: Rollout,
  rows: RolloutAgent[],
  isOnline: (site: string, agent: string) => boolean,
) {
  const agents = rows.map((row) => {
    const online = isOnline(row.site, row.agent);
    const { rolloutId: _r, issuedAt: _i, ...rest } = row;
    return { ...rest, online, shown: shownState(row, online) };
  });
  const counts: Record<string, number> = {};
  for (const a of agents) counts[a.shown] = (counts[a.shown] ?? 0) + 1;
  const { targets, waveDoneAtMs: _w, ...rest } = rollout;
  return { ...rest, targetCount: targets.length, counts, agents };
}

export const PinBody = Type.Object(
  {
    site: Id,
    agent: Type.Optional(Nullable(Id)),
    version: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const PinView = Type.Object({
  site: Type.String(),
  agent: Nullable(Type.String()),
  version: Type.String(),
  pinnedBy: Type.String(),
  pinnedAt: Type.String(),
});

export const PinOutcomeView = Type.Object({
  site: Type.String(),
  agent: Nullable(Type.String()),
  version: Nullable(Type.String()),
  sentTo: Type.Array(Type.String(), { description: 'agents sent the pinned version now' }),
});
