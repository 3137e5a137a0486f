/**
 * Handler for `cxr/v1/<site>/<agent>/report` (STYLE.md rule 6; docs/clinic.md): validate against the protocol
 * schema, check the report is for this agent, hand it to the clinic (stored durably before this returns), then
 * ack on `report/ack` so the hub can forget it. A report for another site/agent (the broker's ACL should make
 * that impossible) is acked `rejected` with CXR_ERR_AGENT_REPORT_WRONG_AGENT; a malformed one is logged with
 * CXR_ERR_PROTOCOL_INVALID and, when its ids are readable, acked `rejected` so the hub stops re-sending it.
 * When storing fails (disk, database) nothing is acked: the hub sends it again later.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { ClinicReport, ReportAck } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';

export interface ReportSink {
  receive(report: ClinicReport): 'stored' | 'duplicate';
}

/** The (resultId, version) of a payload that failed validation, when they can be read. */
function readableIds(payload: Buffer): { resultId: string; version: number } | undefined {
  try {
    const value = JSON.parse(payload.toString()) as { resultId?: unknown; version?: unknown };
    if (typeof value.resultId === 'string' && /^[0-9a-f]{64}$/.test(value.resultId) && Number.isInteger(value.version))
      return { resultId: value.resultId, version: value.version as number };
  } catch {
    // not JSON: nothing to ack
  }
  return undefined;
}

export function handleReport(
  payload: Buffer,
  deps: { address: AgentAddress; reports: ReportSink; publishAck(ack: ReportAck): void; log: Logger },
): void {
  const { log } = deps;
  let report: ClinicReport;
  try {
    report = decoders.report.decode(payload);
  } catch (thrown) {
    const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
    log.warn({ code: error.code, err: error.message }, 'dropped an invalid report');
    const ids = readableIds(payload);
    if (ids) deps.publishAck({ v: 1, ...ids, status: 'rejected', reason: `${error.code}: ${error.message}` });
    return;
  }
  if (report.site !== deps.address.site || report.agent !== deps.address.agent) {
    const code = 'CXR_ERR_AGENT_REPORT_WRONG_AGENT';
    log.error({ code }, 'report addressed to another agent; refused');
    deps.publishAck({ v: 1, resultId: report.resultId, version: report.version, status: 'rejected', reason: code });
    return;
  }
  let status: 'stored' | 'duplicate';
  try {
    status = deps.reports.receive(report);
  } catch (thrown) {
    const error = asCxrError(thrown, 'CXR_ERR_AGENT_DB');
    log.error({ code: error.code, err: error.message }, 'report not stored; the hub will send it again');
    return;
  }
  deps.publishAck({ v: 1, resultId: report.resultId, version: report.version, status });
}
