/**
 * JPEG 2000 (4.90/4.91) frames → integer samples with the system's native OpenJPEG (Debian's libopenjp2.so.7,
 * 2.5) through koffi: 3–4× less CPU than the OpenJPEG wasm build (bench/decode.ts), and its memory goes back to
 * the system after each frame (a wasm heap only grows). In: one frame's codestream (raw J2K or a JP2 box) and
 * the header's expectations. Out: a CodecFrame: grey, or colour as planes (RGB when the stream asked for the
 * multiple component transform, which OpenJPEG undoes). `loadOpenJpeg()` is undefined when the library is not
 * installed; the caller then uses the wasm build.
 * Damaged data is refused with CXR_ERR_DECODE_FAILED: OpenJPEG in strict mode fails a cut codestream, and any
 * error or warning it reports (other than wasm-codecs.ts BENIGN ones) refuses the frame, as with the wasm build.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { imageError } from '../../image-errors.ts';
import type { CodecFrame, IntSamples } from '../stored-values.ts';
import { BENIGN_CODEC_MESSAGES } from './wasm-codecs.ts';

type Ptr = bigint;

const ImageType = koffi.struct('cxr_opj_image_t', {
  x0: 'uint32_t',
  y0: 'uint32_t',
  x1: 'uint32_t',
  y1: 'uint32_t',
  numcomps: 'uint32_t',
  colorSpace: 'int',
  comps: 'void *',
  icc: 'void *',
  iccLength: 'uint32_t',
});
const CompType = koffi.struct('cxr_opj_image_comp_t', {
  dx: 'uint32_t',
  dy: 'uint32_t',
  w: 'uint32_t',
  h: 'uint32_t',
  x0: 'uint32_t',
  y0: 'uint32_t',
  prec: 'uint32_t',
  bpp: 'uint32_t',
  sgnd: 'uint32_t',
  resnoDecoded: 'uint32_t',
  factor: 'uint32_t',
  data: 'void *',
  alpha: 'uint16_t',
});
const ReadFn = koffi.proto('size_t cxr_opj_read(void *buffer, size_t bytes, void *user)');
const SkipFn = koffi.proto('int64_t cxr_opj_skip(int64_t bytes, void *user)');
const SeekFn = koffi.proto('int cxr_opj_seek(int64_t at, void *user)');
const MessageFn = koffi.proto('void cxr_opj_message(const char *message, void *user)');

/** sizeof(opj_dparameters_t) is 8,252 bytes in 2.5; the library fills it in, we only hand it over. */
const PARAMETERS_BYTES = 16_384;
const END_OF_STREAM = 2n ** 64n - 1n; // (OPJ_SIZE_T)-1

interface Decoding {
  bytes: Uint8Array;
  at: number;
  messages: string[];
}

/** The frame being decoded on this thread (decoding is synchronous: one at a time per thread). */
let current: Decoding = { bytes: new Uint8Array(0), at: 0, messages: [] };

function bind(lib: LibraryHandle) {
  const fn = {
    create: lib.func('void *opj_create_decompress(int format)'),
    defaults: lib.func('void opj_set_default_decoder_parameters(void *parameters)'),
    setup: lib.func('int opj_setup_decoder(void *codec, void *parameters)'),
    strict: lib.func('int opj_decoder_set_strict_mode(void *codec, int strict)'),
    onError: lib.func('int opj_set_error_handler(void *codec, cxr_opj_message *callback, void *user)'),
    onWarning: lib.func('int opj_set_warning_handler(void *codec, cxr_opj_message *callback, void *user)'),
    streamCreate: lib.func('void *opj_stream_create(size_t buffer, int input)'),
    onRead: lib.func('void opj_stream_set_read_function(void *stream, cxr_opj_read *callback)'),
    onSkip: lib.func('void opj_stream_set_skip_function(void *stream, cxr_opj_skip *callback)'),
    onSeek: lib.func('void opj_stream_set_seek_function(void *stream, cxr_opj_seek *callback)'),
    length: lib.func('void opj_stream_set_user_data_length(void *stream, uint64_t length)'),
    readHeader: lib.func('int opj_read_header(void *stream, void *codec, _Out_ void **image)'),
    decode: lib.func('int opj_decode(void *codec, void *stream, void *image)'),
    end: lib.func('int opj_end_decompress(void *codec, void *stream)'),
    imageDestroy: lib.func('void opj_image_destroy(void *image)'),
    streamDestroy: lib.func('void opj_stream_destroy(void *stream)'),
    codecDestroy: lib.func('void opj_destroy_codec(void *codec)'),
    version: lib.func('const char *opj_version()'),
  };
  const keep = (level: string) => (message: string) => {
    const line = `[${level}] ${message.trim()}`;
    if (!BENIGN_CODEC_MESSAGES.some((b) => b.test(line))) current.messages.push(line);
  };
  const callbacks = {
    read: koffi.register((buffer: Ptr, bytes: number | bigint) => {
      const left = current.bytes.length - current.at;
      if (left <= 0) return END_OF_STREAM;
      const n = Math.min(Number(bytes), left);
      new Uint8Array(koffi.view(buffer, n)).set(current.bytes.subarray(current.at, current.at + n));
      current.at += n;
      return n;
    }, koffi.pointer(ReadFn)),
    skip: koffi.register((bytes: number | bigint) => {
      const target = current.at + Number(bytes);
      if (target < 0 || target > current.bytes.length) {
        current.at = current.bytes.length;
        return -1;
      }
      current.at = target;
      return Number(bytes);
    }, koffi.pointer(SkipFn)),
    seek: koffi.register((at: number | bigint) => {
      if (Number(at) < 0 || Number(at) > current.bytes.length) return 0;
      current.at = Number(at);
      return 1;
    }, koffi.pointer(SeekFn)),
    error: koffi.register(keep('ERROR'), koffi.pointer(MessageFn)),
    warning: koffi.register(keep('WARNING'), koffi.pointer(MessageFn)),
  };
  return { fn, callbacks };
}

export type OpenJpeg = ReturnType<typeof bind>;

let loaded: OpenJpeg | null | undefined;

/** The native library, loaded once per thread; undefined when it is not installed. */
export function loadOpenJpeg(): OpenJpeg | undefined {
  if (loaded === undefined) {
    try {
      loaded = bind(koffi.load('libopenjp2.so.7'));
    } catch {
      loaded = null; // not installed: the wasm build decodes instead
    }
  }
  return loaded ?? undefined;
}

function failed(message: string): never {
  throw imageError('CXR_ERR_DECODE_FAILED', `openjpeg: ${message}`);
}

export function decodeOpenJpeg(
  api: OpenJpeg,
  bytes: Uint8Array,
  expected: { rows: number; cols: number; mct: boolean },
): CodecFrame {
  const { fn, callbacks } = api;
  const jp2 = bytes[3] === 0x0c && bytes[4] === 0x6a && bytes[5] === 0x50; // JP2 signature box
  current = { bytes, at: 0, messages: [] };
  const codec = fn.create(jp2 ? 2 : 0) as Ptr;
  const stream = fn.streamCreate(bytes.length, 1) as Ptr;
  const imageOut = [null] as unknown[];
  try {
    if (!codec || !stream) failed('cannot create a decoder');
    fn.onError(codec, callbacks.error, null);
    fn.onWarning(codec, callbacks.warning, null);
    const parameters = Buffer.alloc(PARAMETERS_BYTES);
    fn.defaults(parameters);
    if (!fn.setup(codec, parameters)) failed('cannot set up the decoder');
    fn.strict(codec, 1); // a cut codestream is an error, not a partly grey image
    fn.onRead(stream, callbacks.read);
    fn.onSkip(stream, callbacks.skip);
    fn.onSeek(stream, callbacks.seek);
    fn.length(stream, bytes.length);
    const ok = fn.readHeader(stream, codec, imageOut) && fn.decode(codec, stream, imageOut[0]) && fn.end(codec, stream);
    if (!ok || current.messages.length > 0)
      failed(`damaged data: ${current.messages.join('; ') || 'the decoder gave up'}`);
    return frameOf(imageOut[0] as Ptr, expected);
  } finally {
    if (imageOut[0]) fn.imageDestroy(imageOut[0]);
    if (stream) fn.streamDestroy(stream);
    if (codec) fn.codecDestroy(codec);
    current = { bytes: new Uint8Array(0), at: 0, messages: [] };
  }
}

function frameOf(image: Ptr, expected: { rows: number; cols: number; mct: boolean }): CodecFrame {
  const head = koffi.decode(image, ImageType) as { numcomps: number; comps: Ptr };
  const pixels = expected.rows * expected.cols;
  const comps = Array.from(
    { length: head.numcomps },
    (_, i) =>
      koffi.decode(head.comps, i * koffi.sizeof(CompType), CompType) as {
        dx: number;
        dy: number;
        w: number;
        h: number;
        prec: number;
        sgnd: number;
        data: Ptr;
      },
  );
  const first = comps[0];
  if (!first) failed('no image components');
  if (first.w !== expected.cols || first.h !== expected.rows) {
    failed(`the codestream is ${first.w}x${first.h}, the header says ${expected.cols}x${expected.rows}`);
  }
  if (comps.length !== 1 && comps.length !== 3) failed(`${comps.length} components (grey or RGB/YBR only)`);
  const samples = planes(comps.length * pixels, first.prec, first.sgnd === 1);
  comps.forEach((comp, i) => {
    if (comp.w !== first.w || comp.h !== first.h || comp.prec !== first.prec || !comp.data) {
      failed('sub-sampled or uneven components are not read');
    }
    // A native narrowing copy out of OpenJPEG's int32 plane (the values fit `prec` bits).
    samples.set(new Int32Array(koffi.view(comp.data, pixels * 4)), i * pixels);
  });
  const colour = comps.length >= 3;
  return {
    samples,
    samplesPerPixel: comps.length,
    planar: colour,
    ...(colour && expected.mct ? { rgb: true } : {}),
  };
}

/** The narrowest typed array that holds `prec`-bit samples. */
function planes(length: number, prec: number, signed: boolean): IntSamples {
  if (prec <= 8) return signed ? new Int8Array(length) : new Uint8Array(length);
  if (prec <= 16) return signed ? new Int16Array(length) : new Uint16Array(length);
  return new Int32Array(length);
}
