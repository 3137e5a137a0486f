/**
 * Mosquitto 2.0 password-file lines (`mosquitto_passwd` format `$7$`: PBKDF2-SHA512, 101 iterations,
 * 12-byte salt, 64-byte hash), so `cxr hub agent add` can write an external broker's password file
 * without the mosquitto tools installed.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 101;

export function mosquittoPasswdLine(username: string, password: string, salt: Buffer = randomBytes(12)): string {
  const hash = pbkdf2Sync(password, salt, ITERATIONS, 64, 'sha512');
  return `${username}:$7$${ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
}
