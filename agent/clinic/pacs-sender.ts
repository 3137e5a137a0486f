/**
 * Sends DICOM objects to the clinic's PACS by C-STORE (PS3.4 B.2), with dcmjs-dimse's client: one association
 * per call, one request per object. In: Part 10 bytes (the SR, the Secondary Capture) and the PACS's address and
 * AE titles. Out: resolves when every object got a success (0x0000) or warning (0xB000–0xBFFF) status; otherwise
 * throws CXR_ERR_AGENT_PACS_SEND_FAILED with what went wrong (association rejected, network error, failure
 * status), and the deliverer retries later. Sending the same object again is harmless: its SOP Instance UID is
 * derived from the report (dicom-part10.ts), so the PACS keeps one copy.
 */
import dimse from 'dcmjs-dimse';
import { CxrError } from '../../models/errors.ts';
import { EXPLICIT_VR_LITTLE_ENDIAN, readPart10 } from './dicom-part10.ts';

export interface PacsTarget {
  host: string;
  port: number;
  calledAeTitle: string;
  callingAeTitle: string;
  timeoutMs: number;
}

function failed(message: string, cause?: unknown): CxrError {
  return new CxrError('CXR_ERR_AGENT_PACS_SEND_FAILED', `PACS C-STORE failed: ${message}`, {
    kind: 'internal',
    cause,
  });
}

function isAccepted(status: number): boolean {
  return status === 0 || (status >= 0xb000 && status <= 0xbfff);
}

export async function sendToPacs(target: PacsTarget, objects: readonly Buffer[]): Promise<void> {
  dimse.log.setLevel('silent');
  const client = new dimse.Client();
  const statuses: number[] = [];
  for (const bytes of objects) {
    const dataset = new dimse.Dataset(readPart10(bytes), EXPLICIT_VR_LITTLE_ENDIAN);
    const request = new dimse.requests.CStoreRequest(dataset);
    request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => {
      statuses.push(response.getStatus());
    });
    client.addRequest(request);
  }
  await new Promise<void>((resolve, reject) => {
    let problem: CxrError | undefined;
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      problem = failed(
        `association rejected (result ${reject.result}, source ${reject.source}, reason ${reject.reason})`,
      );
    });
    client.on('networkError', (error: Error) => {
      problem ??= failed(`network error (${error.message})`, error);
    });
    client.on('closed', () => {
      if (problem) return reject(problem);
      if (statuses.length !== objects.length) return reject(failed(`${statuses.length}/${objects.length} answered`));
      const bad = statuses.find((s) => !isAccepted(s));
      if (bad !== undefined) return reject(failed(`status 0x${bad.toString(16).padStart(4, '0')}`));
      resolve();
    });
    client.send(target.host, target.port, target.callingAeTitle, target.calledAeTitle, {
      connectTimeout: target.timeoutMs,
      associationTimeout: target.timeoutMs,
      pduTimeout: target.timeoutMs,
    });
  });
}
