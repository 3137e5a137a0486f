/**
 * In: a `result` payload from `cxr/v1/<site>/<agent>/result`. Out: a committed row (or a duplicate) and
 * an AckMessage to `cxr/v1/<site>/<agent>/ack` — published only AFTER the transaction commits.
 * Bad input (not JSON, schema violation, site/agent not the topic's) is counted and, when its resultId
 * can be read, acked 'rejected' with the code so the agent can quarantine instead of re-sending forever.
 *
 * Results that arrive in the same event-loop turn are committed in one transaction (group commit);
 * with synchronous=FULL that is one fsync for the whole group instead of one per result.
 */
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { AckMessage, ResultMessage } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { HubEvents } from '../events/hub-events.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { type ResultRow, resultRow, type StoredBlobs, summaryOf } from '../store/result-row.ts';
import type { ResultsStore } from '../store/results-store.ts';
import { checkAddress } from './check-address.ts';
import { countRejected, type IngestCounters } from './counters.ts';

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
  /** Commits whatever is pending now (also called by the scheduler). */
  flush(): void;
  pending(): number;
}

const SHA = /"resultId"\s*:\s*"([0-9a-f]{64})"/;

function storeBlobs(message: ResultMessage, blobs: BlobStore): StoredBlobs {
  const out: StoredBlobs = {};
  for (const name of ['preview', 'heatmap'] as const) {
    const blob = message[name];
    if (!blob) continue;
    const bytes = Buffer.from(blob.base64, 'base64');
    if (bytes.length === 0) throw new CxrError('CXR_ERR_PROTOCOL_INVALID', `${name} is empty`);
    out[name] = { sha256: blobs.put(bytes), mime: blob.mime };
  }
  return out;
}

export function createResultHandler(deps: ResultHandlerDeps): ResultHandler {
  const maxBatch = deps.maxBatch ?? 500;
  let queue: { address: AgentAddress; row: ResultRow }[] = [];
  let scheduled = false;

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

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      const outcomes = deps.results.insertMany(batch.map((b) => b.row));
      // Committed: now, and only now, ack [ARCHITECTURE.md "Delivery"].
      batch.forEach(({ address, row }, i) => {
        const status = outcomes[i]!;
        if (status === 'stored') deps.counters.stored++;
        else deps.counters.duplicate++;
        deps.publishAck(address, { v: 1, resultId: row.result_id, status });
        if (status === 'stored') deps.events.emit('result', summaryOf({ ...row, status: 'unread' }));
      });
    }
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
        queue.push({ address, row: resultRow(message, storeBlobs(message, deps.blobs), deps.now()) });
      } catch (thrown) {
        reject(address, payload, thrown);
        return;
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    pending: () => queue.length,
  };
}
