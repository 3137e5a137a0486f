/**
 * Property-based fuzzing (fast-check) of the image readers through the production entry point `readImage`
 * (models/image/read-image.ts), bounded in time: the real sample files (DICOM in every transfer syntax we read,
 * PNG, and a JPEG made from one) are mutated (bit flips, interesting integers in the header, truncation,
 * inserted and deleted runs, spliced seeds; PNG chunk CRCs rewritten for half of them) and each mutant must end as either a sane image (pixels in [0, 1],
 * rows × cols of them) or an input CxrError with an image code, never another exception, a crash or a hang.
 * Each read runs in a worker thread that is terminated after HANG_MS. Budget: CXR_FUZZ_MS (default 45 s);
 * a failure prints fast-check's seed and path, and the mutant is saved under test-artifacts/fuzz/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { IMAGE_ERROR_CODES } from '../../models/image/image-errors.ts';

const SAMPLES = fileURLToPath(new URL('../../models/samples/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/fuzz/', import.meta.url));
const BUDGET_MS = Number(process.env.CXR_FUZZ_MS ?? 45_000);
const HANG_MS = 30_000;

type Reply =
  | { id: number; ok: true; rows: number; cols: number; pixels: number; finite: boolean }
  | { id: number; ok: false; cxr: boolean; kind: unknown; code: string; name: string; message: string };

/** One worker at a time; a read that outlives HANG_MS terminates it and counts as a hang. */
class Reader {
  #worker: Worker | undefined;
  #next = 0;
  reads = 0;

  #spawn(): Worker {
    this.#worker ??= new Worker(new URL('./read-image-worker.mjs', import.meta.url));
    return this.#worker;
  }

  async read(bytes: Uint8Array): Promise<Reply | 'hang'> {
    const worker = this.#spawn();
    const id = this.#next++;
    this.reads++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.removeListener('message', onMessage);
        void worker.terminate();
        this.#worker = undefined;
        resolve('hang');
      }, HANG_MS);
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        clearTimeout(timer);
        worker.removeListener('message', onMessage);
        resolve(reply);
      };
      worker.on('message', onMessage);
      worker.postMessage({ id, bytes });
    });
  }

  close(): Promise<number> | undefined {
    return this.#worker?.terminate();
  }
}

async function seeds(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const files = readdirSync(SAMPLES, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(dcm|png)$/.test(f));
  const out = files.sort().map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(SAMPLES, name))) }));
  const png = readFileSync(join(SAMPLES, 'nih/images/00000013_009.png'));
  out.push({ name: 'made.jpg', bytes: new Uint8Array(await sharp(png).jpeg({ quality: 80 }).toBuffer()) });
  return out;
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

type Edit =
  | { kind: 'flip'; at: number; header: boolean; bit: number }
  | { kind: 'int'; at: number; header: boolean; value: number; width: 2 | 4 }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; header: boolean; run: Uint8Array }
  | { kind: 'delete'; at: number; header: boolean; length: number }
  | { kind: 'splice'; at: number; other: number; from: number };

// Unbiased: fast-check leans towards 0 by default, which would mostly truncate to nothing or hit the magic bytes.
const position = fc.noBias(fc.integer({ min: 0, max: 0xffffff })).map((n) => n / 0x1000000);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, header: fc.boolean(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('int' as const),
    at: position,
    header: fc.boolean(),
    value: fc.constantFrom(...INTERESTING),
    width: fc.constantFrom(2 as const, 4 as const),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position.map((p) => 0.05 + 0.95 * p) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    header: fc.boolean(),
    run: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: position,
    header: fc.boolean(),
    length: fc.integer({ min: 1, max: 256 }),
  }),
  fc.record({ kind: fc.constant('splice' as const), at: position, other: fc.nat(), from: position }),
);

/** Where an edit lands: the header (past the magic bytes, up to 4 KiB: where the parsers work) or anywhere. */
function offset(length: number, at: number, header: boolean): number {
  if (!header) return Math.floor(at * length);
  const start = Math.min(132, Math.floor(length / 4)); // DICOM preamble + "DICM"; PNG/JPEG signatures are shorter
  return start + Math.floor(at * (Math.min(length, 4096) - start));
}

function apply(seed: Uint8Array, edits: Edit[], all: Uint8Array[]): Uint8Array {
  let bytes = seed;
  for (const e of edits) {
    if (bytes.length === 0) break;
    if (e.kind === 'flip') {
      bytes = bytes === seed ? Uint8Array.from(bytes) : bytes;
      const i = offset(bytes.length, e.at, e.header);
      bytes[i] = (bytes[i] as number) ^ (1 << e.bit);
    } else if (e.kind === 'int') {
      bytes = bytes === seed ? Uint8Array.from(bytes) : bytes;
      const i = Math.min(offset(bytes.length, e.at, e.header), bytes.length - e.width);
      if (i < 0) continue;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (e.width === 2) view.setUint16(i, e.value & 0xffff, true);
      else view.setUint32(i, e.value >>> 0, true);
    } else if (e.kind === 'truncate') {
      bytes = bytes.slice(0, Math.floor(e.at * bytes.length));
    } else if (e.kind === 'insert') {
      const i = offset(bytes.length, e.at, e.header);
      bytes = Buffer.concat([bytes.subarray(0, i), e.run, bytes.subarray(i)]);
    } else if (e.kind === 'delete') {
      const i = offset(bytes.length, e.at, e.header);
      bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + e.length)]);
    } else {
      const other = all[e.other % all.length] as Uint8Array;
      const i = Math.floor(e.at * bytes.length);
      bytes = Buffer.concat([bytes.subarray(0, i), other.subarray(Math.floor(e.from * other.length))]);
    }
  }
  return new Uint8Array(bytes);
}

/**
 * Rewrites the CRC of every PNG chunk whose frame is still intact, so a mutant gets past the checksum into
 * zlib, the filters and the pixel paths instead of stopping at the first CRC (a real PNG writer bug looks so).
 */
function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

it(`reads mutated DICOM, PNG and JPEG files without a crash, a hang or a non-CxrError (${BUDGET_MS} ms)`, async () => {
  const all = await seeds();
  assert.ok(all.length >= 25, `seeds: ${all.length}`);
  // Each format about as often, however many samples it has; small files more often within a format.
  const pick = (test: (name: string) => boolean) => fc.constantFrom(...all.filter((s) => test(s.name)));
  const weighted = fc.oneof(
    { weight: 3, arbitrary: pick((n) => n.endsWith('.dcm')) },
    { weight: 1, arbitrary: pick((n) => n.endsWith('.png')) },
    { weight: 1, arbitrary: pick((n) => n.endsWith('.jpg')) },
  );
  const reader = new Reader();
  const seen = new Map<string, number>();
  const codes = new Set<string>(IMAGE_ERROR_CODES);
  try {
    await fc.assert(
      fc.asyncProperty(
        weighted,
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (seed, edits, crcs) => {
          const mutant = apply(
            seed.bytes,
            edits,
            all.map((s) => s.bytes),
          );
          const bytes = crcs && seed.name.endsWith('.png') ? fixPngCrcs(mutant) : mutant;
          const reply = await reader.read(bytes);
          const outcome = reply === 'hang' ? 'hang' : reply.ok ? 'image' : reply.code;
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
          if (
            reply !== 'hang' &&
            (reply.ok
              ? reply.finite && reply.pixels === reply.rows * reply.cols
              : reply.cxr && reply.kind === 'input' && codes.has(reply.code))
          )
            return;
          mkdirSync(ARTIFACTS, { recursive: true });
          const file = join(ARTIFACTS, `read-image-${seed.name.replace(/\W/g, '_')}-${Date.now()}.bin`);
          writeFileSync(file, bytes);
          assert.fail(`${seed.name} mutant (${file}): ${JSON.stringify(reply)}`);
        },
      ),
      { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
  } finally {
    await reader.close();
  }
  const summary = Object.fromEntries([...seen].sort((a, b) => b[1] - a[1]));
  console.log(`read-image fuzz: ${reader.reads} mutants in ${BUDGET_MS} ms budget`, JSON.stringify(summary));
  assert.ok(reader.reads >= 50, `too few mutants read (${reader.reads}): the budget is too small for this machine`);
  assert.ok((seen.get('image') ?? 0) > 0 && seen.size > 3, 'mutants reached both the decoders and the error paths');
});
