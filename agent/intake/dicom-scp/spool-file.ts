/**
 * One instance being received into the spool. In: the bytes of the data set as they arrive over the association
 * (in the negotiated transfer syntax), after a Part 10 header made from the C-STORE command (SOP class and
 * instance, transfer syntax, the calling AE). Out, on `commit()`: a complete `<name>.dcm` in the spool folder,
 * written durably (fsync of the file, rename, fsync of the folder) and checked first: it must parse as DICOM and
 * carry the SOP class and instance the command announced. Until then the bytes live in a dot-named `.tmp`
 * file the watcher never picks up, so nothing half-written is scored. A write error (disk full) never throws
 * into the network layer: it is recorded and turned into a failure status by `commit()`.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseDicom } from '../../../models/image/dicom/parse-dicom.ts';
import { sniffFormat } from '../../../models/image/sniff-format.ts';
import { part10Header } from '../../clinic/dicom-part10.ts';
import { fsyncDir, tempNameIn } from '../../store/durable-file.ts';
import { STORE_STATUS } from './association-policy.ts';

export interface Announced {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  callingAeTitle: string;
}

export type CommitOutcome =
  | { status: typeof STORE_STATUS.success; path: string }
  | { status: number; code: string; message: string };

/** The spool name of an instance: a hash of its SOP Instance UID (a re-sent instance replaces its copy). */
export function spoolName(sopInstanceUid: string): string {
  return `${createHash('sha256').update(sopInstanceUid).digest('hex').slice(0, 32)}.dcm`;
}

export class SpoolFile extends Writable {
  readonly temp: string;
  error: Error | undefined;
  readonly #handle: Promise<FileHandle | undefined>;
  readonly #finished: Promise<void>;

  constructor(
    readonly spoolDir: string,
    readonly announced: Announced,
  ) {
    // A write never reports back-pressure to dcmjs-dimse: it awaits 'drain' per PDV, which could interleave PDUs.
    super({ highWaterMark: 512 * 1024 * 1024 });
    this.temp = tempNameIn(spoolDir);
    this.#handle = open(this.temp, 'wx', 0o640).then(
      async (handle) => {
        await handle.write(
          part10Header(
            announced.sopClassUid,
            announced.sopInstanceUid,
            announced.transferSyntaxUid,
            announced.callingAeTitle,
          ),
        );
        return handle;
      },
      (error: Error) => {
        this.error = error;
        return undefined;
      },
    );
    this.#finished = new Promise((resolve) => this.once('finish', () => resolve()));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#handle
      .then((handle) => (handle && !this.error ? handle.write(chunk) : undefined))
      .then(
        () => done(),
        (error: Error) => {
          this.error ??= error;
          done();
        },
      );
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#handle
      .then(async (handle) => {
        if (!handle) return;
        try {
          if (!this.error) await handle.sync();
        } finally {
          await handle.close();
        }
      })
      .then(
        () => done(),
        (error: Error) => {
          this.error ??= error;
          done();
        },
      );
  }

  /** Waits for the last byte, checks the instance and moves it into the spool; the temp file is gone after. */
  async commit(): Promise<CommitOutcome> {
    await this.#finished;
    try {
      if (this.error) {
        const full = (this.error as NodeJS.ErrnoException).code === 'ENOSPC';
        return {
          status: full ? STORE_STATUS.outOfResources : STORE_STATUS.processingFailure,
          code: 'CXR_ERR_AGENT_SCP_SPOOL_WRITE',
          message: `could not write the instance to the spool (${(this.error as NodeJS.ErrnoException).code ?? this.error.message})`,
        };
      }
      const problem = this.#check(await readFile(this.temp));
      if (problem) return problem;
      const path = join(this.spoolDir, spoolName(this.announced.sopInstanceUid));
      await rename(this.temp, path);
      await fsyncDir(this.spoolDir);
      return { status: STORE_STATUS.success, path };
    } finally {
      await rm(this.temp, { force: true });
    }
  }

  /** Drops a transfer that will never complete (association aborted or closed mid-dataset). */
  async discard(): Promise<void> {
    if (!this.writableEnded) this.end();
    await this.#finished;
    await rm(this.temp, { force: true });
  }

  #check(bytes: Buffer): CommitOutcome | undefined {
    let dataSet: ReturnType<typeof parseDicom>['dataSet'];
    try {
      dataSet = parseDicom(bytes, sniffFormat(bytes)).dataSet;
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      return { status: STORE_STATUS.cannotUnderstand, code: 'CXR_ERR_AGENT_SCP_DATASET_INVALID', message };
    }
    const sopClass = dataSet.string('x00080016')?.trim();
    const sopInstance = dataSet.string('x00080018')?.trim();
    if (sopClass !== this.announced.sopClassUid || sopInstance !== this.announced.sopInstanceUid) {
      return {
        status: STORE_STATUS.datasetMismatch,
        code: 'CXR_ERR_AGENT_SCP_DATASET_INVALID',
        message: 'the data set’s SOP class or instance differs from the C-STORE command’s',
      };
    }
    return undefined;
  }
}
