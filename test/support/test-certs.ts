/**
 * Test TLS certificates made with REAL openssl (EC P-256, valid 2 days): a CA, then server and client
 * certificates it signs; or one self-signed certificate that clients trust as it is.
 *
 *   const ca = makeTestCa(mkdtempSync(join(tmpdir(), 'cxr-pki-')));
 *   const server = issueCert(ca, 'server', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
 *   const client = issueCert(ca, 'client', { cn: 'clinic-1/room-2' });
 *   const hub = selfSignedCert(dir, 'hub', { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const DAYS = ['-days', '2'];

/** The common name, and an openssl subjectAltName such as `DNS:localhost,IP:127.0.0.1`. */
export interface CertSubject {
  cn: string;
  san?: string;
}

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** A CA is a self-signed certificate whose folder also holds what it signs. */
export interface TestCa extends TestCert {
  dir: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** The subject for `-subj`, where a `/` inside the common name has to be escaped. */
function subject(cn: string): string {
  return `/CN=${cn.replaceAll('/', '\\/')}`;
}

function files(dir: string, name: string): [certFile: string, keyFile: string] {
  return [join(dir, `${name}.pem`), join(dir, `${name}.key`)];
}

function read(certFile: string, keyFile: string): TestCert {
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** `<name>.pem` and `<name>.key` in `dir`, self-signed: trusted as they are (pass the cert itself as `ca`). */
export function selfSignedCert(dir: string, name: string, { cn, san }: CertSubject): TestCert {
  const [certFile, keyFile] = files(dir, name);
  const ext = san ? ['-addext', `subjectAltName=${san}`] : [];
  openssl(dir, 'req', '-x509', ...EC_KEY, ...DAYS, '-subj', subject(cn), ...ext, '-keyout', keyFile, '-out', certFile);
  return read(certFile, keyFile);
}

export function makeTestCa(dir: string): TestCa {
  return { dir, ...selfSignedCert(dir, 'ca', { cn: 'cxr test CA' }) };
}

/** `<name>.pem` and `<name>.key` in the CA's folder, signed by `ca`. */
export function issueCert(ca: TestCa, name: string, { cn, san }: CertSubject): TestCert {
  const [certFile, keyFile] = files(ca.dir, name);
  openssl(ca.dir, 'req', ...EC_KEY, '-subj', subject(cn), '-keyout', keyFile, '-out', `${name}.csr`);
  const ext: string[] = [];
  if (san) {
    writeFileSync(join(ca.dir, `${name}.ext`), `subjectAltName=${san}\n`);
    ext.push('-extfile', `${name}.ext`);
  }
  const signer = ['-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial'];
  openssl(ca.dir, 'x509', '-req', '-in', `${name}.csr`, ...signer, ...DAYS, '-out', certFile, ...ext);
  return read(certFile, keyFile);
}
