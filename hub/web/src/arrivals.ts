/**
 * New arrivals while the reader is elsewhere: a count in the tab title and a toast per arrival, urgent ones
 * distinct ("URGENT" toast, announced as an alert). The count clears when the reader looks at the worklist.
 */
import type { WorkItem } from './api/worklist-api.ts';
import { toast } from './ui/toast.ts';

const BASE_TITLE = 'cxr-edge · Reading room';

export function createArrivals() {
  let unseen = 0;
  let urgent = 0;
  const update = () => {
    const parts = [unseen ? `(${unseen}${urgent ? `, ${urgent} urgent` : ''})` : '', BASE_TITLE];
    document.title = parts.filter(Boolean).join(' ');
  };
  return {
    arrived(item: WorkItem, readerIsOnWorklist: boolean) {
      if (item.tier === 'urgent')
        toast(`URGENT study arrived · ${item.site} · ${item.findings.map((f) => f.name).join(', ')}`, 'urgent');
      else toast(`New study · ${item.tierLabel} · ${item.site}`);
      if (readerIsOnWorklist && document.visibilityState === 'visible') return;
      unseen += 1;
      if (item.tier === 'urgent') urgent += 1;
      update();
    },
    seen() {
      unseen = 0;
      urgent = 0;
      update();
    },
  };
}
