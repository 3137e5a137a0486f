/** The model/desired handler: valid messages reach the manager, invalid ones are dropped, empty ones ignored. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { handleModelDesired } from '../../../agent/sync/handle-model-desired.ts';
import type { ModelDesired } from '../../../protocol/messages.ts';

const desired: ModelDesired = {
  v: 1,
  rolloutId: 'r1',
  version: '1.1.0',
  sha256: 'a'.repeat(64),
  url: 'https://hub.example/api/models/1.1.0/package.tar?agent=s/a&token=ab',
  sizeBytes: 1234,
  shadow: true,
};

function run(payload: Buffer) {
  const got: ModelDesired[] = [];
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  handleModelDesired(payload, { handle: (d) => got.push(d) }, log);
  return { got, lines };
}

it('hands a valid desired message to the model manager', () => {
  assert.deepEqual(run(Buffer.from(JSON.stringify(desired))).got, [desired]);
});

it('drops an invalid message with CXR_ERR_PROTOCOL_INVALID in the log', () => {
  for (const bad of [
    '{',
    JSON.stringify({ ...desired, url: 'file:///etc/passwd' }),
    JSON.stringify({ ...desired, x: 1 }),
  ]) {
    const { got, lines } = run(Buffer.from(bad));
    assert.deepEqual(got, []);
    assert.match(lines.join(''), /CXR_ERR_PROTOCOL_INVALID/);
  }
});

it('ignores an empty payload (a cleared retained message)', () => {
  const { got, lines } = run(Buffer.alloc(0));
  assert.deepEqual(got, []);
  assert.deepEqual(lines, []);
});
