/** Ingest counters, exposed by the API (`GET /api/ingest/counters`) and logged on shutdown. */
export interface IngestCounters {
  received: { result: number; status: number; modelState: number };
  stored: number;
  duplicate: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
}

export function createIngestCounters(): IngestCounters {
  return {
    received: { result: 0, status: 0, modelState: 0 },
    stored: 0,
    duplicate: 0,
    rejected: 0,
    rejectedByCode: {},
  };
}

export function countRejected(counters: IngestCounters, code: string): void {
  counters.rejected++;
  counters.rejectedByCode[code] = (counters.rejectedByCode[code] ?? 0) + 1;
}
