/**
 * Training (admin): queue a job (fine-tune for a site or all, recalibrate a site, search), the jobs with their live
 * progress (phase, epoch, ETA; SSE `training`), a job's curves (loss and per-class validation AUROC) and, once done,
 * the candidate's evaluation beside production's on the same held-back reads, with its report. Cancel asks first.
 */
import { ApiError } from '../../api/http.ts';
import {
  cancelJob,
  createJob,
  getJob,
  listJobs,
  type ModelEvaluation,
  reportUrl,
  type TrainingJob,
} from '../../api/training-api.ts';
import { durationText, timeText } from '../../ui/format.ts';
import { h } from '../../ui/h.ts';
import { toast } from '../../ui/toast.ts';
import type { MountedScreen, ScreenContext } from '../types.ts';
import { curvePaths } from './curves.ts';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#6cb6ff', '#f0a35e', '#8ddb8c', '#d2a8ff'];

function svgEl(tag: string, attrs: Record<string, string>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function curvesSvg(job: TrainingJob): SVGElement {
  const W = 420;
  const H = 140;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'curves', role: 'img', 'aria-label': 'training curves' });
  const paths = curvePaths(job.history, W, H);
  svg.append(svgEl('path', { d: paths.loss, fill: 'none', stroke: '#999', 'stroke-dasharray': '4 3' }));
  svg.append(
    ...paths.auroc.map((c, i) => svgEl('path', { d: c.path, fill: 'none', stroke: COLOURS[i % COLOURS.length]! })),
  );
  return svg;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));

function evaluationTable(candidate: ModelEvaluation, production?: ModelEvaluation): HTMLElement {
  const classes = Object.keys(candidate.auroc);
  const cols = (e: ModelEvaluation | undefined, c: string) => [
    h('td', { class: 'num' }, num(e?.auroc[c])),
    h('td', { class: 'num' }, `${num(e?.atThresholds[c]?.sensitivity)} / ${num(e?.atThresholds[c]?.specificity)}`),
    h('td', { class: 'num' }, num(e?.ece[c])),
  ];
  return h(
    'table',
    { class: 'grid' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Class'),
        ...['AUROC', 'sens / spec', 'ECE'].flatMap((t) => [
          h('th', {}, `${t} production`),
          h('th', {}, `${t} candidate`),
        ]),
      ),
    ),
    h(
      'tbody',
      {},
      ...classes.map((c) => {
        const p = cols(production, c);
        const k = cols(candidate, c);
        return h('tr', {}, h('td', {}, c), p[0], k[0], p[1], k[1], p[2], k[2]);
      }),
    ),
  );
}

function progressText(job: TrainingJob): string {
  const p = job.progress;
  if (!p) return job.status;
  const epoch = p.epoch !== undefined && p.epochs ? ` · epoch ${p.epoch}/${p.epochs}` : '';
  const eta = p.etaS !== undefined && job.status === 'running' ? ` · ETA ${durationText(p.etaS)}` : '';
  return `${p.phase ?? ''}${epoch}${eta}`;
}

export function mountTraining(root: HTMLElement, ctx: ScreenContext): MountedScreen {
  const tbody = h('tbody', { id: 'training-rows' });
  const detail = h('div', { id: 'training-detail' });
  let selected: string | null = null;
  const kind = h(
    'select',
    { id: 'training-kind' },
    ...['fine-tune', 'recalibrate', 'search'].map((k) => h('option', { value: k }, k)),
  );
  const site = h('input', { id: 'training-site', placeholder: 'site (empty: all sites)', maxlength: '64' });
  const epochs = h('input', { id: 'training-epochs', type: 'number', min: '1', max: '500', placeholder: 'epochs' });
  const form = h(
    'form',
    {
      class: 'inline-form',
      async onsubmit(event: Event) {
        event.preventDefault();
        try {
          const job = await createJob({
            kind: kind.value as TrainingJob['kind'],
            ...(site.value.trim() ? { site: site.value.trim() } : {}),
            ...(epochs.value ? { params: { epochs: Number(epochs.value) } } : {}),
          });
          selected = job.id;
          toast(`Queued ${job.kind} ${job.id}`);
          await load();
        } catch (error) {
          toast(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error), 'error');
        }
      },
    },
    kind,
    site,
    epochs,
    h('button', { type: 'submit' }, 'Queue job'),
  );

  async function showDetail(): Promise<void> {
    if (!selected) return detail.replaceChildren();
    const job = await getJob(selected);
    const evaluation = job.result?.evaluation;
    const parts: (Node | null)[] = [
      h('h2', {}, `${job.kind} ${job.site ?? 'all sites'} — ${job.status}`),
      h('p', { class: 'muted' }, progressText(job), job.error ? ` · ${job.error.code}: ${job.error.message}` : ''),
      job.history.length ? curvesSvg(job) : h('p', { class: 'muted' }, 'No epoch yet.'),
      evaluation ? evaluationTable(evaluation.candidate, evaluation.production) : null,
      job.result?.candidate
        ? h(
            'a',
            { href: reportUrl(job.result.candidate), target: '_blank', rel: 'noopener' },
            `Report of ${job.result.candidate}`,
          )
        : null,
      ['queued', 'running'].includes(job.status)
        ? h(
            'button',
            {
              class: 'danger',
              async onclick() {
                if (!window.confirm(`Cancel job ${job.id}?`)) return;
                await cancelJob(job.id).catch((e: unknown) => toast(String(e), 'error'));
                await load();
              },
            },
            'Cancel job',
          )
        : null,
    ];
    detail.replaceChildren(...parts.filter((p): p is Node => p !== null));
  }

  async function load(): Promise<void> {
    const jobs = await listJobs();
    tbody.replaceChildren(
      ...(jobs.length
        ? jobs.map((job) =>
            h(
              'tr',
              {
                class: job.id === selected ? 'selected' : undefined,
                onclick: () => {
                  selected = job.id;
                  void load();
                },
              },
              h('td', {}, job.id),
              h('td', {}, job.kind),
              h('td', {}, job.site ?? 'all'),
              h('td', {}, job.status),
              h('td', {}, progressText(job)),
              h('td', {}, job.trainer ?? ''),
              h('td', {}, timeText(job.createdAt)),
            ),
          )
        : [h('tr', {}, h('td', { colspan: '7', class: 'empty' }, 'No training job yet.'))]),
    );
    await showDetail();
  }

  root.append(
    h(
      'section',
      { class: 'screen' },
      h(
        'div',
        { class: 'screen-head' },
        h('h1', {}, 'Training'),
        h('span', { class: 'muted' }, 'Jobs for the trainer service'),
      ),
      form,
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h('tr', {}, ...['Job', 'Kind', 'Site', 'Status', 'Progress', 'Trainer', 'Queued'].map((t) => h('th', {}, t))),
        ),
        tbody,
      ),
      detail,
    ),
  );
  void load();
  const off = ctx.live.on('training', () => void load());
  return { unmount: off };
}
