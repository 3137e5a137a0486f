/**
 * The reading queue: the ids of the worklist the reader last looked at, in its order, and that worklist's
 * hash (its filters). Kept in sessionStorage so j/k in the viewer still work after a reload or a deep link
 * (the viewer then rebuilds the queue from the saved filters).
 */
const KEY = 'cxr.queue';

export interface SavedQueue {
  ids: string[];
  hash: string;
}

export function loadQueue(): SavedQueue {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as SavedQueue | null;
    if (saved && Array.isArray(saved.ids) && typeof saved.hash === 'string') return saved;
  } catch {
    // a damaged entry is the same as none
  }
  return { ids: [], hash: '#/worklist' };
}

export function saveQueue(queue: SavedQueue): void {
  sessionStorage.setItem(KEY, JSON.stringify({ ids: queue.ids.slice(0, 2000), hash: queue.hash }));
}
