/**
 * The emscripten codec modules (CharLS for JPEG-LS, OpenJPEG for JPEG 2000), loaded lazily once and
 * offline from node_modules (emscripten reads the .wasm beside its .js with fs in Node). A module that
 * aborted on bad data is dropped so that the next call instantiates a fresh one. OpenJPEG reports a damaged
 * or cut stream only by printing "[ERROR] ..." / "[WARNING] ..." lines (and may still return from decode):
 * those lines are kept for the caller (`takeCodecMessages`); "[INFO]" lines and warnings about how a valid
 * stream is labelled rather than about its data (BENIGN) are dropped.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The part of the cornerstone codec decoders we use (JpegLSDecoder and J2KDecoder share it). */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  /** CharLS only: 0 none (one scan per component), 1 line, 2 sample (T.87 A.2). */
  getInterleaveMode?(): number;
  delete(): void;
}

interface CodecModule {
  JpegLSDecoder?: new () => WasmDecoder;
  J2KDecoder?: new () => WasmDecoder;
}

type Factory = (module?: { print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<CodecModule>;

export type WasmCodecName = 'charls' | 'openjpeg';

const SPECIFIERS: Record<WasmCodecName, string> = {
  charls: '@cornerstonejs/codec-charls/decodewasmjs',
  openjpeg: '@cornerstonejs/codec-openjpeg/decodewasmjs',
};

const cache = new Map<WasmCodecName, Promise<CodecModule>>();
const messages: Record<WasmCodecName, string[]> = { charls: [], openjpeg: [] };

/** OpenJPEG warnings seen on streams that decode exactly (GDCMJ2K_TextGBR.dcm in the pydicom cross-check). */
export const BENIGN_CODEC_MESSAGES = [/^\[WARNING\] Non conformant codestream TPsot==TNsot\./];

/** The warnings and errors a codec printed since the last call (decoding is synchronous: one frame's). */
export function takeCodecMessages(name: WasmCodecName): string[] {
  return messages[name].splice(0);
}

export function loadCodec(name: WasmCodecName): Promise<CodecModule> {
  let loading = cache.get(name);
  if (!loading) {
    const factory = require(SPECIFIERS[name]) as Factory;
    // Nothing reaches stdout (`cxr read --json` prints there); warnings and errors are kept.
    const keep = (text: string): void => {
      const line = text.trim();
      if (line !== '' && !line.startsWith('[INFO]') && !BENIGN_CODEC_MESSAGES.some((b) => b.test(line)))
        messages[name].push(line);
    };
    loading = factory({ print: keep, printErr: keep });
    loading.catch(() => cache.delete(name));
    cache.set(name, loading);
  }
  return loading;
}

/** Forget a module (after an abort, emscripten modules stay broken). */
export function dropCodec(name: WasmCodecName): void {
  cache.delete(name);
}
