/** Compiled validators for every protocol message; both ends use these. */

import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CxrError } from '../models/errors.ts';
import {
  AckMessageSchema,
  ClinicReportSchema,
  ModelDesiredSchema,
  ModelStateSchema,
  ReportAckSchema,
  ResultMessageSchema,
  SiteCalibrationMessageSchema,
  StatusMessageSchema,
} from './messages.ts';

// TypeBox knows no string formats by itself; the messages use `date-time` (ISO 8601 / RFC 3339).
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value)),
  );
}

export interface Decoder<T> {
  /** Parses and validates a payload; throws CXR_ERR_PROTOCOL_INVALID with the first problems. */
  decode(payload: Buffer | string): T;
  check(value: unknown): value is T;
}

function decoderFor<S extends TSchema>(name: string, schema: S): Decoder<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    decode(payload) {
      let value: unknown;
      try {
        value = JSON.parse(payload.toString());
      } catch (cause) {
        throw new CxrError('CXR_ERR_PROTOCOL_INVALID', `${name}: not JSON`, { cause });
      }
      if (!compiled.Check(value)) {
        const problems = [...compiled.Errors(value)].slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`);
        throw new CxrError('CXR_ERR_PROTOCOL_INVALID', `${name}: ${problems.join('; ')}`);
      }
      return value;
    },
  };
}

export const decoders = {
  result: decoderFor('result', ResultMessageSchema),
  ack: decoderFor('ack', AckMessageSchema),
  status: decoderFor('status', StatusMessageSchema),
  modelDesired: decoderFor('model/desired', ModelDesiredSchema),
  modelState: decoderFor('model/state', ModelStateSchema),
  report: decoderFor('report', ClinicReportSchema),
  reportAck: decoderFor('report/ack', ReportAckSchema),
  calibration: decoderFor('calibration', SiteCalibrationMessageSchema),
};
