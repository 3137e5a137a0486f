/**
 * The DICOM receiver (C-STORE SCP, PS3.4 B; answers C-ECHO, PS3.4 A) built on dcmjs-dimse's association and
 * DIMSE handling, listening on our own TCP server (host and port from config; port 0 = any free port).
 * In: associations from the clinic's devices. Out: each received instance as a complete `.dcm` in the spool
 * folder (spool-file.ts), written durably BEFORE the success status goes back; the spool is a watched folder
 * (agent/config.ts), so from there an instance is treated exactly like a file dropped into a folder
 * (completeness, dedup by content, quarantine). Bad input: an association from an unknown calling AE or to
 * another called AE is rejected (A-ASSOCIATE-RJ), unsupported SOP classes or transfer syntaxes are refused per
 * presentation context, an unparseable or mismatched data set gets a failure status; each with a log line
 * (CXR_ERR_AGENT_SCP_*). AE titles are logged; UIDs, names and paths never. The receiver keeps running.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import dimse from 'dcmjs-dimse';
import type { Logger } from 'pino';
import { decideAssociation, decideContext, STORE_STATUS } from './association-policy.ts';
import { SpoolFile } from './spool-file.ts';

export interface DicomScpConfig {
  aeTitle: string;
  port: number;
  host: string;
  allowedCallingAeTitles: readonly string[];
  spoolDir: string;
  timeoutMs: number;
}

export interface DicomScp {
  port: number;
  /** Instances stored since start (for the log and tests). */
  stored(): number;
  close(): Promise<void>;
}

type Association = InstanceType<typeof dimse.association.Association>;
type StoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;

/** Removes temp files a crash left in the spool (never complete instances). */
async function sweepTemps(spoolDir: string): Promise<void> {
  for (const name of await readdir(spoolDir)) {
    if (name.startsWith('.') && name.endsWith('.tmp')) await rm(join(spoolDir, name), { force: true });
  }
}

export async function startDicomScp(config: DicomScpConfig, log: Logger): Promise<DicomScp> {
  dimse.log.setLevel('silent'); // its own logger would print UIDs and datasets; we log what matters ourselves
  await mkdir(config.spoolDir, { recursive: true });
  await sweepTemps(config.spoolDir);
  let stored = 0;
  const { Status, RejectResult, RejectSource, RejectReason, PresentationContextResult } = dimse.constants;

  class Receiver extends dimse.Scp {
    readonly #spools = new Map<StoreRequest, SpoolFile>();
    #calling = '';

    constructor(socket: Socket) {
      super(socket, {
        connectTimeout: config.timeoutMs,
        associationTimeout: config.timeoutMs,
        pduTimeout: config.timeoutMs,
      });
      this.on('close', () => this.#dropAll());
    }

    override associationRequested(association: Association): void {
      this.#calling = association.getCallingAeTitle();
      const decision = decideAssociation(
        { calledAeTitle: association.getCalledAeTitle(), callingAeTitle: this.#calling },
        config,
      );
      if (!decision.accept) {
        log.warn(
          { code: 'CXR_ERR_AGENT_SCP_ASSOCIATION_REJECTED', callingAe: this.#calling, reason: decision.reason },
          'DICOM association rejected',
        );
        const reason =
          decision.reason === 'called-ae' ? RejectReason.CalledAeNotRecognized : RejectReason.CallingAeNotRecognized;
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, reason);
        return;
      }
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        const choice = decideContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
        if (choice.accept) context.setResult(PresentationContextResult.Accept, choice.transferSyntax);
        else if (choice.reason === 'abstract-syntax')
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override abort(): void {
      log.warn({ callingAe: this.#calling }, 'DICOM association aborted by the device');
      this.#dropAll();
    }

    override cEchoRequest(
      request: InstanceType<typeof dimse.requests.CEchoRequest>,
      callback: (response: InstanceType<typeof dimse.responses.CEchoResponse>) => void,
    ): void {
      const response = dimse.responses.CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(context: PresentationContext, request: StoreRequest): SpoolFile {
      const spool = new SpoolFile(config.spoolDir, {
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: request.getAffectedSopInstanceUid(),
        transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        callingAeTitle: this.#calling,
      });
      this.#spools.set(request, spool);
      return spool;
    }

    override createDatasetFromStoreWritableStream(
      _writable: unknown,
      context: PresentationContext,
      callback: (dataset: InstanceType<typeof dimse.Dataset>) => void,
    ): void {
      // The bytes are in the spool file; the request carries no parsed copy (parsing here would block the loop).
      callback(new dimse.Dataset({}, context.getAcceptedTransferSyntaxUid()));
    }

    override cStoreRequest(
      request: StoreRequest,
      callback: (response: InstanceType<typeof dimse.responses.CStoreResponse>) => void,
    ): void {
      const spool = this.#spools.get(request);
      this.#spools.delete(request);
      const respond = (status: number) => {
        const response = dimse.responses.CStoreResponse.fromRequest(request);
        response.setStatus(status);
        callback(response);
      };
      if (!spool) {
        respond(STORE_STATUS.processingFailure);
        return;
      }
      spool.commit().then(
        (outcome) => {
          if ('path' in outcome) {
            stored += 1;
            log.info({ callingAe: this.#calling, stored }, 'DICOM instance received');
          } else {
            log.warn({ code: outcome.code, callingAe: this.#calling, err: outcome.message }, 'DICOM instance refused');
          }
          respond(outcome.status);
        },
        (error: Error) => {
          log.error({ code: 'CXR_ERR_AGENT_SCP_SPOOL_WRITE', err: error.message }, 'DICOM instance not stored');
          respond(STORE_STATUS.processingFailure);
        },
      );
    }

    #dropAll(): void {
      for (const spool of this.#spools.values()) void spool.discard();
      this.#spools.clear();
    }
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const receiver = new Receiver(socket);
    (receiver as unknown as { connected: boolean }).connected = true;
    receiver.on('networkError', (error: Error) => {
      log.warn({ code: 'CXR_ERR_AGENT_SCP_NETWORK', err: error.message }, 'DICOM connection error');
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.on('error', (error) =>
    log.error({ code: 'CXR_ERR_AGENT_SCP_NETWORK', err: error.message }, 'DICOM server error'),
  );
  const port = (server.address() as AddressInfo).port;
  log.info({ aeTitle: config.aeTitle, port }, 'DICOM receiver listening');
  return {
    port,
    stored: () => stored,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
