/**
 * A logged-in dashboard user for `app.inject` tests, and a built hub fed agent messages through `dispatch`
 * that records every `model/desired` it publishes.
 */
import type { BuiltHub } from '../../hub/main.ts';
import type { ModelDesired, ModelStateMessage } from '../../protocol/messages.ts';
import { type AgentAddress, topicFor } from '../../protocol/topics.ts';
import { PUBLISH_TOKEN, packageTar, statusOn } from './registry-fixtures.ts';

export interface InjectUser {
  cookie: string;
  csrf: string;
  get(url: string): Promise<{ statusCode: number; json(): unknown }>;
  send(
    method: 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<{ statusCode: number; body: string; json(): unknown }>;
}

export async function injectLogin(hub: BuiltHub, username: string, password: string): Promise<InjectUser> {
  const response = await hub.app.inject({ method: 'POST', url: '/api/session', payload: { username, password } });
  const cookie = `cxr_session=${response.cookies.find((c) => c.name === 'cxr_session')?.value}`;
  const csrf = (response.json() as { csrf: string }).csrf;
  return {
    cookie,
    csrf,
    get: (url) => hub.app.inject({ url, headers: { cookie } }),
    send: (method, url, payload = {}) =>
      hub.app.inject({ method, url, payload: payload as object, headers: { cookie, 'x-csrf-token': csrf } }),
  };
}

export const codeOf = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code;
export const agentKey = (a: AgentAddress) => `${a.site}/${a.agent}`;

/** Publishes a real signed tiny package through the API. */
export async function publishTiny(hub: BuiltHub, version: string, seed: number): Promise<void> {
  const response = await hub.app.inject({
    method: 'POST',
    url: '/api/models',
    headers: { 'content-type': 'application/x-tar', authorization: `Bearer ${PUBLISH_TOKEN}` },
    payload: await packageTar(version, { seed }),
  });
  if (response.statusCode !== 201) throw new Error(`publish ${version}: ${response.statusCode} ${response.body}`);
}

/** Agent messages into ingest; each call resolves once the message is stored and the rollout runner has acted. */
export function agentFeed(hub: BuiltHub) {
  return {
    async status(address: AgentAddress, version: string, online = true) {
      const message = statusOn(address.site, address.agent, version, online);
      hub.dispatch(topicFor(address, 'status'), Buffer.from(JSON.stringify(message)));
      await hub.drain();
    },
    async report(
      address: AgentAddress,
      state: Partial<ModelStateMessage> & Pick<ModelStateMessage, 'version' | 'state'>,
    ) {
      const message = { v: 1, at: new Date().toISOString(), ...state };
      hub.dispatch(topicFor(address, 'model/state'), Buffer.from(JSON.stringify(message)));
      await hub.drain();
    },
  };
}

/** Captures what the hub publishes on model/desired. */
export function desiredLog() {
  const sent: { address: AgentAddress; desired: ModelDesired }[] = [];
  return {
    sink: (address: AgentAddress, desired: ModelDesired) => sent.push({ address, desired }),
    last: (address: AgentAddress) => sent.filter((s) => agentKey(s.address) === agentKey(address)).at(-1)?.desired,
  };
}
