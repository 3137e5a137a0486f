/**
 * In: a `result` payload from `cxr/v1/<site>/<agent>/result`. Out: a committed row (or a duplicate) and
 * an AckMessage to `cxr/v1/<site>/<agent>/ack` — published only AFTER the transaction commits.
 * Bad input (not JSON, schema violation, site/agent not the topic's) is counted and, when its resultId
 * can be read, acked 'rejected' with the code so the agent can quarantine instead of re-sending forever.
 *
 * Group commit: results that arrive while a batch is being written form the next batch. A batch's
 * previews are written and fsynced in parallel, then its rows are committed in ONE transaction
 * (SQLite synchronous=FULL: one WAL fsync; PostgreSQL: one commit), then every result in it is acked.
 */
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { AckMessage, ResultMessage } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { BlobStore } from './blob-store.ts';
import { checkAddress } from './check-address.ts';
import { countRejected, type IngestCounters } from './ingest-counters.ts';
import { type ResultRow, resultRow, type StoredBlobs, summaryOf } from './result-row.ts';
import type { ResultsStore } from './results-store.ts';

export type PublishAck = (address: AgentAddress, ack: AckMessage) => void;

export interface ResultHandlerDeps {
  results: ResultsStore;
  blobs: BlobStore;
  publishAck: PublishAck;
  counters: IngestCounters;
  events: HubEvents;
  now: () => Date;
  log: Logger;
  /** Most results committed in one transaction. */
  maxBatch?: number;
}

export interface ResultHandler {
  handle(address: AgentAddress, payload: Buffer): void;
  /** Resolves when everything received so far is committed and acked. */
  drain(): Promise<void>;
  /** Results received and not yet committed. */
  pending(): number;
}

const SHA = /"resultId"\s*:\s*"([0-9a-f]{64})"/;

interface Pending {
  address: AgentAddress;
  message: ResultMessage;
  blobs: { name: 'preview'; bytes: Buffer; mime: string }[];
}

function decodeBlobs(message: ResultMessage): Pending['blobs'] {
  const out: Pending['blobs'] = [];
  for (const name of ['preview'] as const) {
    const blob = message[name];
    if (!blob) continue;
    const bytes = Buffer.from(blob.base64, 'base64');
    if (bytes.length === 0) throw new CxrError('CXR_ERR_PROTOCOL_INVALID', `${name} is empty`);
    out.push({ name, bytes, mime: blob.mime });
  }
  return out;
}

export function createResultHandler(deps: ResultHandlerDeps): ResultHandler {
  const maxBatch = deps.maxBatch ?? 500;
  let queue: Pending[] = [];
  let inFlight = 0;
  let running: Promise<void> | undefined;

  const reject = (address: AgentAddress, payload: Buffer, thrown: unknown) => {
    const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
    countRejected(deps.counters, error.code);
    deps.log.warn(
      { site: address.site, agent: address.agent, code: error.code, err: error.message },
      'result rejected',
    );
    const resultId = SHA.exec(payload.toString('utf8', 0, Math.min(payload.length, 4096)))?.[1];
    if (resultId) deps.publishAck(address, { v: 1, resultId, status: 'rejected', reason: error.code });
  };

  const commit = async (batch: Pending[]) => {
    const all = batch.flatMap((p) => p.blobs.map((b) => b.bytes));
    const shas = await deps.blobs.putMany(all);
    let next = 0;
    const rows: ResultRow[] = batch.map((p) => {
      const stored: StoredBlobs = {};
      for (const blob of p.blobs) stored[blob.name] = { sha256: shas[next++]!, mime: blob.mime };
      return resultRow(p.message, stored, deps.now());
    });
    const outcomes = await deps.results.insertMany(
      rows,
      batch.map((p) => p.message.shadow),
    );
    // Committed: now, and only now, ack [ARCHITECTURE.md "Delivery"].
    rows.forEach((row, i) => {
      const status = outcomes[i]!;
      if (status === 'stored') deps.counters.stored++;
      else deps.counters.duplicate++;
      deps.publishAck(batch[i]!.address, { v: 1, resultId: row.result_id, status });
      if (status === 'stored') deps.events.emit('result', summaryOf({ ...row, status: 'unread', signed_ms: null }));
    });
  };

  const loop = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight = batch.length;
      try {
        await commit(batch);
      } catch (error) {
        // Not acked: the agents re-send from their outboxes; the hub keeps running.
        deps.log.error({ err: (error as Error).message, results: batch.length }, 'ingest batch failed; not acked');
      } finally {
        inFlight = 0;
      }
    }
    running = undefined;
  };

  return {
    handle(address, payload) {
      deps.counters.received.result++;
      try {
        const message = decoders.result.decode(payload);
        checkAddress(address, message);
        if (!Number.isFinite(Date.parse(message.scoredAt))) {
          throw new CxrError('CXR_ERR_PROTOCOL_INVALID', 'scoredAt is not a date');
        }
        queue.push({ address, message, blobs: decodeBlobs(message) });
      } catch (thrown) {
        reject(address, payload, thrown);
        return;
      }
      running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(loop);
    },
    async drain() {
      while (running) await running;
    },
    pending: () => queue.length + inFlight,
  };
}
