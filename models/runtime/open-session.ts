/**
 * Opens an inference session for a verified model package on the chosen runtime.
 *
 * `auto` tries OpenVINO (C API through koffi) and falls back to ONNX Runtime when the OpenVINO library is
 * missing, is not a loadable library, or cannot compile the model; `reason` says which runtime was chosen
 * and why. Asking for `openvino` explicitly fails with CXR_ERR_OPENVINO_UNAVAILABLE instead of falling back.
 * Implementations are a typed map, so adding a runtime is one file and one line.
 */
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../errors.ts';
import type { ModelPackage } from '../package/load-package.ts';
import { findOpenVinoLib } from './find-openvino.ts';
import { OnnxRuntimeSession } from './onnxruntime-session.ts';
import { loadOpenVinoApi, type OpenVinoApi } from './openvino-ffi.ts';
import { OpenVinoSession } from './openvino-session.ts';
import type { InferenceSession, RuntimeChoice, RuntimeName } from './types.ts';

export interface OpenSessionOptions {
  runtime: RuntimeChoice;
  /** latency: one image at a time, fastest answer; throughput: several requests in parallel. Default latency. */
  mode?: 'latency' | 'throughput';
  /** OpenVINO compiled-model cache; a restart with the same model skips compilation. */
  cacheDir?: string;
  /** Path to libopenvino_c.so*; default: env CXR_OPENVINO_LIB, the project venv, system paths. */
  openvinoLibPath?: string;
  /** OpenVINO infer requests in throughput mode (default: OPTIMAL_NUMBER_OF_INFER_REQUESTS). */
  requests?: number;
  logger?: Logger;
}

export interface OpenedSession {
  session: InferenceSession;
  reason: string;
}

const apis = new Map<string, OpenVinoApi>();

/** Loads (once per path) the OpenVINO C API; throws CXR_ERR_OPENVINO_UNAVAILABLE with the cause. */
export function openVinoApi(explicitPath?: string): OpenVinoApi {
  const location = findOpenVinoLib(explicitPath);
  if (!location.path) {
    throw new CxrError(
      'CXR_ERR_OPENVINO_UNAVAILABLE',
      'OpenVINO runtime not found (set CXR_OPENVINO_LIB to libopenvino_c.so*, or run scripts/setup.sh)',
      { kind: 'input' },
    );
  }
  const cached = apis.get(location.path);
  if (cached) return cached;
  try {
    const api = loadOpenVinoApi(location.path);
    apis.set(location.path, api);
    return api;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new CxrError(
      'CXR_ERR_OPENVINO_UNAVAILABLE',
      `OpenVINO library from ${location.source} (${location.path}) does not load: ${detail}`,
      { kind: 'input', cause },
    );
  }
}

type Opener = (pkg: ModelPackage, options: OpenSessionOptions) => Promise<InferenceSession>;

const openers: Record<RuntimeName, Opener> = {
  openvino: async (pkg, options) => {
    const api = openVinoApi(options.openvinoLibPath);
    try {
      return await OpenVinoSession.open(api, pkg, {
        mode: options.mode ?? 'latency',
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.requests ? { requests: options.requests } : {}),
      });
    } catch (cause) {
      throw new CxrError(
        'CXR_ERR_OPENVINO_UNAVAILABLE',
        `OpenVINO ${api.version} cannot run this model: ${asCxrError(cause).message}`,
        {
          kind: 'input',
          cause,
        },
      );
    }
  },
  onnxruntime: (pkg, options) => OnnxRuntimeSession.open(pkg, { mode: options.mode ?? 'latency' }),
};

export async function openSession(pkg: ModelPackage, options: OpenSessionOptions): Promise<OpenedSession> {
  const log = options.logger?.child({ component: 'runtime' });
  if (options.runtime !== 'auto') {
    const session = await openers[options.runtime](pkg, options);
    const reason = `${options.runtime} (requested)`;
    log?.info({ runtime: session.runtime, reason }, 'inference session open');
    return { session, reason };
  }
  try {
    const session = await openers.openvino(pkg, options);
    const reason = `openvino ${openVinoApi(options.openvinoLibPath).version} (auto: OpenVINO runtime loaded)`;
    log?.info({ runtime: 'openvino', reason }, 'inference session open');
    return { session, reason };
  } catch (cause) {
    const why = asCxrError(cause).message;
    const session = await openers.onnxruntime(pkg, options);
    const reason = `onnxruntime (auto: fell back because ${why})`;
    log?.warn({ runtime: 'onnxruntime', reason }, 'OpenVINO unavailable, using ONNX Runtime');
    return { session, reason };
  }
}
