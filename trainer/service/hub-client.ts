/**
 * The trainer's side of the hub's training API (docs/hub.md#training): logs in with the trainer's own name and
 * password, keeps the bearer token (logs in again once when the hub answers 401), and wraps each call. In: the hub
 * URL and login; out: typed calls. A hub answer with an error body becomes a CxrError with the hub's code (e.g.
 * CXR_ERR_HUB_TRAINING_JOB_STATE when the job was taken away); an unreachable hub is CXR_ERR_TRAINER_HUB_UNREACHABLE.
 */
import { CxrError } from '../../models/errors.ts';
import type { SignedCalibration } from '../../models/triage/site-calibration.ts';

export interface HubJob {
  id: string;
  kind: 'search' | 'fine-tune' | 'recalibrate';
  site: string | null;
  params: {
    base?: string;
    epochs?: number;
    targetSensitivity?: number;
    maxReads?: number;
    holdOut?: number;
    seed?: number;
    version?: string;
  };
  status: string;
  attempt: number;
}

export interface HubRead {
  readId: number;
  resultId: string;
  site: string;
  patientKey: string;
  modelVersion: string;
  classes: string[];
  probabilities: Record<string, number>;
  readVersion: number;
  signedAt: string;
  normal: boolean;
  decisions: Record<string, 'present' | 'absent'>;
  pixels: { kind: 'diagnostic' | 'preview'; sha256: string; mime: string } | null;
}

export interface Progress {
  phase: string;
  epoch?: number;
  epochs?: number;
  loss?: number;
  valAuroc?: Record<string, number | null>;
  etaS?: number;
  message?: string;
}

export interface TrainerHubClient {
  claim(): Promise<HubJob | null>;
  progress(jobId: string, progress: Progress): Promise<{ cancel: boolean }>;
  heartbeat(jobId: string): Promise<{ cancel: boolean }>;
  complete(jobId: string, result: Record<string, unknown>): Promise<void>;
  fail(jobId: string, error: { code: string; message: string }): Promise<void>;
  reads(site: string | null): Promise<HubRead[]>;
  pixels(resultId: string): Promise<Buffer>;
  modelPackage(ref: string): Promise<Buffer>;
  publishCandidate(jobId: string, tar: Buffer): Promise<{ version: string; sha256: string }>;
  uploadReport(jobId: string, version: string, html: string): Promise<void>;
  publishCalibration(jobId: string, signed: SignedCalibration): Promise<{ version: number }>;
}

export function createTrainerHubClient(hub: { url: string; name: string; password: string }): TrainerHubClient {
  let token: string | undefined;

  const login = async () => {
    const response = await send(
      '/api/trainer/session',
      { method: 'POST', json: { name: hub.name, password: hub.password } },
      false,
    );
    token = ((await response.json()) as { token: string }).token;
  };

  async function send(
    path: string,
    init: { method?: string; json?: unknown; body?: Buffer | string; type?: string },
    auth = true,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      if (auth && token === undefined) await login();
      const headers: Record<string, string> = auth && token ? { authorization: `Bearer ${token}` } : {};
      let body: string | Buffer | undefined = init.body;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.type) headers['content-type'] = init.type;
      let response: Response;
      try {
        response = await fetch(`${hub.url}${path}`, {
          method: init.method ?? 'GET',
          headers,
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
        });
      } catch (cause) {
        throw new CxrError(
          'CXR_ERR_TRAINER_HUB_UNREACHABLE',
          `hub ${hub.url} unreachable: ${(cause as Error).message}`,
          { kind: 'internal', cause },
        );
      }
      if (response.status === 401 && auth && attempt === 0) {
        token = undefined;
        continue;
      }
      if (response.ok) return response;
      const text = await response.text();
      let error = {
        code: 'CXR_ERR_TRAINER_HUB_UNREACHABLE',
        message: `HTTP ${response.status}: ${text.slice(0, 200)}`,
      };
      try {
        error = (JSON.parse(text) as { error: typeof error }).error ?? error;
      } catch {
        // not JSON: keep the HTTP status as the message
      }
      throw new CxrError(error.code, `hub: ${error.message}`);
    }
  }
  const json = async <T>(path: string, init: Parameters<typeof send>[1] = {}) =>
    (await (await send(path, init)).json()) as T;
  const jobPath = (id: string, what: string) => `/api/trainer/jobs/${id}/${what}`;

  return {
    claim: async () =>
      (await json<{ job: HubJob | null }>('/api/trainer/jobs/claim', { method: 'POST', json: {} })).job,
    progress: (id, progress) => json(jobPath(id, 'progress'), { method: 'POST', json: progress }),
    heartbeat: (id) => json(jobPath(id, 'heartbeat'), { method: 'POST', json: {} }),
    async complete(id, result) {
      await send(jobPath(id, 'complete'), { method: 'POST', json: { result } });
    },
    async fail(id, error) {
      await send(jobPath(id, 'fail'), { method: 'POST', json: { error } });
    },
    async reads(site) {
      const all: HubRead[] = [];
      let after: number | null = 0;
      while (after !== null) {
        const query = `limit=1000&after=${after}${site ? `&site=${encodeURIComponent(site)}` : ''}`;
        const page: { reads: HubRead[]; next: number | null } = await json(`/api/trainer/reads?${query}`);
        all.push(...page.reads);
        after = page.next;
      }
      return all;
    },
    pixels: async (resultId) =>
      Buffer.from(await (await send(`/api/trainer/reads/${resultId}/pixels`, {})).arrayBuffer()),
    modelPackage: async (ref) =>
      Buffer.from(await (await send(`/api/trainer/models/${encodeURIComponent(ref)}/package.tar`, {})).arrayBuffer()),
    publishCandidate: (id, tar) =>
      json(jobPath(id, 'candidate'), { method: 'POST', body: tar, type: 'application/x-tar' }),
    async uploadReport(id, version, html) {
      await send(`${jobPath(id, 'report')}?version=${encodeURIComponent(version)}`, {
        method: 'POST',
        body: html,
        type: 'text/html',
      });
    },
    publishCalibration: (id, signed) => json(jobPath(id, 'calibration'), { method: 'POST', json: signed }),
  };
}
