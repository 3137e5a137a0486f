/**
 * Disk watermark: intake pauses before the data disk fills (SQLite, processed/ and quarantine/ live there)
 * and resumes with 10% hysteresis above the threshold so it does not flap. `decideIntake` is pure;
 * `DiskMonitor` polls `statfs` and reports changes.
 */
import { mkdir, statfs } from 'node:fs/promises';

export interface Watermark {
  minFreeBytes: number;
  minFreePercent: number;
}

export interface DiskSample {
  freeBytes: number;
  totalBytes: number;
}

function threshold(sample: DiskSample, mark: Watermark): number {
  return Math.max(mark.minFreeBytes, (sample.totalBytes * mark.minFreePercent) / 100);
}

/** true = intake paused. */
export function decideIntake(sample: DiskSample, mark: Watermark, pausedNow: boolean): boolean {
  const limit = threshold(sample, mark);
  return pausedNow ? sample.freeBytes < limit * 1.1 : sample.freeBytes < limit;
}

export async function sampleDisk(path: string): Promise<DiskSample> {
  const s = await statfs(path);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

export class DiskMonitor {
  paused = false;
  freeBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    readonly mark: Watermark,
    readonly intervalMs: number,
    readonly onChange: (paused: boolean, sample: DiskSample) => void,
    readonly sample: (path: string) => Promise<DiskSample> = sampleDisk,
    readonly onError: (error: Error) => void = () => undefined,
  ) {}

  async check(): Promise<void> {
    const sample = await this.sample(this.path);
    this.freeBytes = sample.freeBytes;
    const paused = decideIntake(sample, this.mark, this.paused);
    if (paused !== this.paused) {
      this.paused = paused;
      this.onChange(paused, sample);
    }
  }

  async start(): Promise<void> {
    await mkdir(this.path, { recursive: true });
    await this.check();
    this.#timer = setInterval(() => void this.check().catch((error: Error) => this.onError(error)), this.intervalMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
