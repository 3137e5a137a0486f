/**
 * JPEG-LS (4.80/4.81, CharLS) and JPEG 2000 (4.90/4.91, OpenJPEG) frames → integer samples.
 * In: one frame's codestream and the header's signedness. Out: integer samples (a copy, so the wasm heap
 * can be reused): JPEG-LS interleave mode 0 (one scan per component) comes back planar, modes 1 and 2
 * interleaved (T.87 A.2); JPEG 2000 with the multiple component transform (YBR_RCT/YBR_ICT) comes back as
 * RGB, since OpenJPEG undoes it. Bad input: CXR_ERR_DECODE_FAILED, also when the codec printed an error or
 * warning, or returned fewer bytes than the frame needs (OpenJPEG does both for a cut codestream).
 */
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';
import { j2kUsesMct } from './codestream-size.ts';
import { dropCodec, loadCodec, takeCodecMessages, type WasmCodecName, type WasmDecoder } from './wasm-codecs.ts';

function copySamples(decoded: Uint8Array, bitsPerSample: number, signed: boolean): CodecFrame['samples'] {
  if (bitsPerSample <= 8) return signed ? new Int8Array(decoded.slice().buffer) : decoded.slice();
  const copy = decoded.slice().buffer;
  return signed ? new Int16Array(copy, 0, decoded.length >> 1) : new Uint16Array(copy, 0, decoded.length >> 1);
}

export async function decodeWasm(
  codec: WasmCodecName,
  bytes: Uint8Array,
  expected: { rows: number; cols: number; signed: boolean },
): Promise<CodecFrame> {
  const module = await loadCodec(codec);
  const Decoder = codec === 'charls' ? module.JpegLSDecoder : module.J2KDecoder;
  if (!Decoder) throw imageError('CXR_ERR_DECODE_FAILED', `the ${codec} codec module has no decoder`);
  let decoder: WasmDecoder | undefined;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    takeCodecMessages(codec);
    decoder.decode();
    const complaints = takeCodecMessages(codec);
    if (complaints.length > 0) {
      throw imageError('CXR_ERR_DECODE_FAILED', `${codec} reports damaged data: ${complaints.join('; ')}`);
    }
    const info = decoder.getFrameInfo();
    if (info.width !== expected.cols || info.height !== expected.rows) {
      throw imageError(
        'CXR_ERR_DECODE_FAILED',
        `the codestream is ${info.width}x${info.height}, the header says ${expected.cols}x${expected.rows}`,
      );
    }
    const size = info.width * info.height * info.componentCount * (info.bitsPerSample <= 8 ? 1 : 2);
    if (decoder.getDecodedBuffer().length !== size) {
      throw imageError(
        'CXR_ERR_DECODE_FAILED',
        `${codec} returned ${decoder.getDecodedBuffer().length} bytes for a ${info.width}x${info.height} frame of ${size}`,
      );
    }
    const signed = info.isSigned ?? expected.signed;
    const colour = info.componentCount >= 3;
    return {
      samples: copySamples(decoder.getDecodedBuffer(), info.bitsPerSample, signed),
      samplesPerPixel: info.componentCount,
      planar: colour && codec === 'charls' && decoder.getInterleaveMode?.() === 0,
      ...(colour && codec === 'openjpeg' && j2kUsesMct(bytes) ? { rgb: true } : {}),
    };
  } catch (thrown) {
    if (thrown instanceof Error && thrown.name === 'CxrError') throw thrown;
    // An emscripten abort leaves the module unusable: load a fresh one next time.
    if (thrown instanceof WebAssembly.RuntimeError) dropCodec(codec);
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DECODE_FAILED', `${codec} could not decode the frame (${message})`, thrown);
  } finally {
    try {
      decoder?.delete();
    } catch {
      dropCodec(codec); // deleting after an abort fails too; the module is dropped above
    }
  }
}
