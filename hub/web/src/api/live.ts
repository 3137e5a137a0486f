/**
 * Live updates over server-sent events (/api/events): one connection for the whole dashboard; screens
 * subscribe by event name. Result events arrive as worklist view models.
 */

import type { ClaimBody, WorklistItemBody } from './types.ts';
import type { WorkItem } from './worklist-api.ts';
import { toWorkItem } from './worklist-api.ts';

export interface LiveEvents {
  result: WorkItem;
  read: { resultId: string; version: number; reader: string };
  claim: { resultId: string; claim: ClaimBody | null };
  fleet: unknown;
  rollout: unknown;
  training: { id: string };
  shadow: { id: string };
}
export type LiveName = keyof LiveEvents;

export interface Live {
  on<K extends LiveName>(name: K, fn: (value: LiveEvents[K]) => void): () => void;
}

export function connectLive(onState: (connected: boolean) => void): Live & { close(): void } {
  const listeners = new Map<LiveName, Set<(value: never) => void>>();
  const emit = <K extends LiveName>(name: K, value: LiveEvents[K]) => {
    for (const fn of listeners.get(name) ?? []) (fn as (v: LiveEvents[K]) => void)(value);
  };
  const source = new EventSource('/api/events');
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  source.addEventListener('result', (e) =>
    emit('result', toWorkItem(JSON.parse((e as MessageEvent).data) as WorklistItemBody)),
  );
  for (const name of ['read', 'claim', 'fleet', 'rollout', 'training', 'shadow'] as const) {
    source.addEventListener(name, (e) => emit(name, JSON.parse((e as MessageEvent).data)));
  }
  return {
    on(name, fn) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(fn as (value: never) => void);
      return () => set.delete(fn as (value: never) => void);
    },
    close: () => source.close(),
  };
}
