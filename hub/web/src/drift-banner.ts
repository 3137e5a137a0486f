/**
 * The drift banner above every screen (docs/hub.md#drift): one line per drifting site — the ISO week, what drifted
 * (agreement with radiologists, score distribution, refused inputs) with the figures — and, for an admin, a
 * "Fine-tune for this site" button that queues the job. In: the element to show it in, whether the user is an
 * admin. Out: a handle that stops the refresh (every 5 minutes). A failed fetch leaves the banner as it was.
 */

import { type DriftReason, driftStates, fineTuneSite, type SiteDriftState } from './api/drift-api.ts';
import { ApiError } from './api/http.ts';
import { h } from './ui/h.ts';
import { toast } from './ui/toast.ts';

const REFRESH_MS = 5 * 60_000;
const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);

function reasonText(reason: DriftReason, s: SiteDriftState): string {
  if (reason === 'agreement') return `AI agrees with radiologists on ${pct(s.figures.agreement)} of reads`;
  if (reason === 'score-distribution') return `scores moved from the training distribution (PSI ${s.figures.psi})`;
  return `${pct(s.figures.refusedRate)} of inputs refused`;
}

export function startDriftBanner(banner: HTMLElement, isAdmin: boolean): { stop(): void } {
  let stopped = false;
  const fineTune = async (button: HTMLButtonElement, site: string) => {
    button.disabled = true;
    try {
      const job = await fineTuneSite(site);
      toast(`Fine-tune job ${job.id} queued for ${site}.`);
    } catch (err) {
      toast(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err), 'error');
      button.disabled = false;
    }
  };
  const render = (states: SiteDriftState[]) => {
    const drifting = states.filter((s) => s.drifting);
    banner.hidden = drifting.length === 0;
    banner.replaceChildren(
      ...drifting.map((s) => {
        const button: HTMLButtonElement | false =
          isAdmin && h('button', { type: 'button', class: 'drift-action' }, 'Fine-tune for this site');
        if (button) button.addEventListener('click', () => void fineTune(button, s.site));
        return h(
          'div',
          { class: 'drift-site', dataset: { site: s.site } },
          h('strong', {}, `${s.site} is drifting`),
          ` (${s.week}): ${s.reasons.map((r) => reasonText(r, s)).join('; ')}. `,
          button,
        );
      }),
    );
  };
  const refresh = async () => {
    if (stopped) return;
    try {
      render(await driftStates());
    } catch {
      // keep what is shown; the next refresh tries again
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      banner.hidden = true;
      banner.replaceChildren();
    },
  };
}
