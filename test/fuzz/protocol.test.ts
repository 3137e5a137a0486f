/**
 * Property-based fuzzing (fast-check) of the agent↔hub protocol parsers, bounded in time (CXR_FUZZ_PROTOCOL_MS,
 * default 5 s per property, 13 properties): every decoder in protocol/validate.ts on arbitrary JSON, on valid messages with
 * fields replaced, deleted or added (prototype keys included) and on damaged text, must either return a value
 * its own schema check accepts or throw a CxrError CXR_ERR_PROTOCOL_INVALID, and never pollute prototypes;
 * topic parsing, the broker ACL and client-id scoping keep their invariants on arbitrary strings.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { agentFromUsername, mayPublish, maySubscribe, scopedClientId, usernameFor } from '../../hub/mqtt/acl.ts';
import { isCxrError } from '../../models/errors.ts';
import {
  AGENT_PUBLISHES,
  AGENT_READS,
  isValidId,
  parseTopic,
  TOPIC_ROOT,
  type TopicKind,
  topicFor,
} from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';

const BUDGET_MS = Number(process.env.CXR_FUZZ_PROTOCOL_MS ?? 5_000);
const bounded = { numRuns: 10_000_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const at = '2026-01-02T03:04:05.000Z';

/** One valid message per decoder (a test fails first if the schema drifted away from it). */
const VALID: Partial<Record<keyof typeof decoders, unknown>> = {
  ack: { v: 1, resultId: sha('r'), status: 'stored' },
  status: { v: 1, site: 'clinic-a', agent: 'xr-1', online: true, at, backlog: 3, outbox: 1, intakePaused: false },
  result: {
    v: 1,
    resultId: sha('r'),
    site: 'clinic-a',
    agent: 'xr-1',
    keys: { image: sha('i').slice(0, 32) },
    receivedAt: at,
    scoredAt: at,
    model: { name: 'cxr', version: '1.0.0', sha256: sha('m') },
    runtime: 'onnxruntime',
    classes: ['A', 'B'],
    probabilities: { A: 0.1, B: 0.9 },
    flags: ['B'],
    timingsMs: { read: 1, preprocess: 1, infer: 1 },
    image: { format: 'png', rows: 10, cols: 10 },
  },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value` (objects and arrays), the root included. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Edit = { path: number; op: 'replace' | 'delete' | 'add'; key: string; value: Json };

function mutate(base: Json, edits: Edit[]): Json {
  let root = structuredClone(base);
  for (const e of edits) {
    const all = paths(root);
    const path = all[e.path % all.length] as (string | number)[];
    if (path.length === 0) {
      if (e.op === 'replace') root = e.value;
      continue;
    }
    let parent = root as Record<string | number, Json>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
    const last = path.at(-1) as string | number;
    if (e.op === 'replace') parent[last] = e.value;
    else if (e.op === 'delete') delete parent[last];
    else if (parent !== null && typeof parent === 'object') {
      try {
        Object.defineProperty(parent, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
      } catch {
        // JavaScript refuses some additions (an array's `length` as configurable): not a message one could send.
      }
    }
  }
  return root;
}

const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'v', 'resultId', 'site'));
const edit: fc.Arbitrary<Edit> = fc.record({
  path: fc.nat(),
  op: fc.constantFrom('replace' as const, 'delete' as const, 'add' as const),
  key,
  value: fc.jsonValue() as fc.Arbitrary<Json>,
});
/** Damage to the JSON text itself: cut it, or put a random string somewhere. */
const textDamage = fc.record({ cut: fc.option(fc.nat()), insertAt: fc.nat(), insert: fc.string({ maxLength: 8 }) });

function expectDecodedOrRefused(name: keyof typeof decoders, payload: string): void {
  const before = Object.getOwnPropertyNames(Object.prototype).length;
  try {
    const value = decoders[name].decode(payload);
    assert.ok(decoders[name].check(value), `${name}: decode returned a value its schema refuses`);
  } catch (thrown) {
    assert.ok(isCxrError(thrown), `${name}: threw ${String(thrown)} for ${payload.slice(0, 200)}`);
    assert.equal(thrown.code, 'CXR_ERR_PROTOCOL_INVALID');
  }
  assert.equal(Object.getOwnPropertyNames(Object.prototype).length, before, 'prototype polluted');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

describe('protocol decoders', () => {
  it('accepts the valid seed messages (the fuzz below starts from them)', () => {
    for (const [name, value] of Object.entries(VALID))
      assert.ok(decoders[name as keyof typeof decoders].check(value), `${name} seed no longer matches its schema`);
  });

  for (const name of Object.keys(decoders) as (keyof typeof decoders)[]) {
    it(`${name}: arbitrary JSON and text end as a valid message or CXR_ERR_PROTOCOL_INVALID`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.string(),
            fc.string({ unit: 'binary' }),
          ),
          (payload) => expectDecodedOrRefused(name, payload),
        ),
        bounded,
      );
    });
  }

  for (const [name, base] of Object.entries(VALID) as [keyof typeof decoders, Json][]) {
    it(`${name}: valid messages with fields replaced, deleted, added or damaged never escape as another error`, () => {
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), textDamage, (edits, damage) => {
          let text = JSON.stringify(mutate(base, edits)) ?? 'null';
          expectDecodedOrRefused(name, text);
          if (damage.cut !== null) text = text.slice(0, damage.cut % (text.length + 1));
          const i = damage.insertAt % (text.length + 1);
          expectDecodedOrRefused(name, text.slice(0, i) + damage.insert + text.slice(i));
        }),
        bounded,
      );
    });
  }
});

describe('topics, ACL and client ids', () => {
  const id = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
    fc.string({ maxLength: 6 }),
    fc.constantFrom('+', '#', '', 'a/b', '$SYS'),
  );
  const kind = fc.oneof(
    fc.constantFrom<TopicKind>('result', 'status', 'ack', 'model/desired', 'model/state', 'report', 'report/ack'),
    fc.string({ maxLength: 6 }),
  );
  const topic = fc.oneof(
    fc.tuple(id, id, kind).map(([s, a, k]) => `${TOPIC_ROOT}/${s}/${a}/${k}`),
    fc.string(),
    fc.tuple(fc.string({ maxLength: 4 }), id, id, kind).map(([p, s, a, k]) => `${p}${TOPIC_ROOT}/${s}/${a}/${k}`),
  );

  it('parses a topic only into valid ids and a known kind, and parsing then building gives it back', () => {
    fc.assert(
      fc.property(topic, (t) => {
        const parsed = parseTopic(t);
        if (parsed === undefined) return;
        assert.ok(isValidId(parsed.site) && isValidId(parsed.agent));
        assert.equal(topicFor(parsed, parsed.kind), t);
      }),
      bounded,
    );
  });

  it('lets an agent publish or subscribe only on its own topics of its kinds, never with wildcards', () => {
    const address = fc.record({ site: fc.stringMatching(/^[a-c]{1,2}$/), agent: fc.stringMatching(/^[a-c]{1,2}$/) });
    fc.assert(
      fc.property(
        address,
        fc.oneof(
          topic,
          address.chain((a) => kind.map((k) => `${TOPIC_ROOT}/${a.site}/${a.agent}/${k}`)),
        ),
        (a, t) => {
          const principal = { kind: 'agent' as const, address: a };
          const parsed = parseTopic(t);
          const own = parsed !== undefined && parsed.site === a.site && parsed.agent === a.agent;
          if (mayPublish(principal, t)) assert.ok(own && AGENT_PUBLISHES.includes(parsed.kind), t);
          if (maySubscribe(principal, t)) assert.ok(own && AGENT_READS.includes(parsed.kind) && !/[+#]/.test(t), t);
        },
      ),
      bounded,
    );
  });

  it('reads an agent login only from an exact <site>/<agent>, and no login reaches the hub client id', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(id, id).map(([s, a]) => `${s}/${a}`),
          fc.string(),
        ),
        fc.string(),
        (user, clientId) => {
          const address = agentFromUsername(user);
          if (address) assert.equal(usernameFor(address), user);
          if (user === 'cxr-hub') return;
          const scoped = scopedClientId(user, clientId, 'cxr-hub');
          if (clientId !== '') assert.ok(scoped.startsWith(`agent:${user}:`) && scoped !== 'cxr-hub');
        },
      ),
      bounded,
    );
  });
});
