/**
 * GET /api/agents/:site/:agent/desired: an agent's desired model over HTTP, for agents to poll beside MQTT's
 * retained `model/desired` (docs/scale-out.md: on a NATS cluster a retained message can be missing for seconds
 * after a node is lost). The agent logs in as itself (HTTP Basic, its MQTT login: images/agent-login.ts) and may
 * read only its own. Out: the same ModelDesired the broker retains, its capability URL rebuilt for the hub's
 * current public URL, with an ETag of that answer (304 with no body when `If-None-Match` names it: an agent polling an
 * unchanged state gets no body); 404 CXR_ERR_HUB_NOT_FOUND when the hub never chose a model for it; 401 / 403
 * otherwise.
 */
import { Type } from '@sinclair/typebox';
import { ModelDesiredSchema } from '../../protocol/messages.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import { withEtag } from '../http/etag.ts';
import type { HubApp } from '../http/type-provider.ts';
import { type AgentLogin, AgentPathParams, ownAgent } from '../images/agent-login.ts';
import type { DesiredPublisher } from './desired-publisher.ts';
import type { DesiredStore } from './desired-store.ts';

export interface DesiredRoutesOptions {
  login: AgentLogin;
  desired: Pick<DesiredStore, 'get'>;
  urlFor: DesiredPublisher['urlFor'];
}

export async function desiredRoutes(app: HubApp, options: DesiredRoutesOptions) {
  app.get(
    '/api/agents/:site/:agent/desired',
    {
      schema: {
        tags: ['rollouts'],
        summary: "The agent's desired model (its own login, HTTP Basic), as on MQTT model/desired",
        params: AgentPathParams,
        response: {
          200: ModelDesiredSchema,
          304: Type.Null({ description: 'Not modified: If-None-Match names the current answer' }),
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const address = await ownAgent(options.login, request, request.params, 'desired model');
      const message = await options.desired.get(address);
      if (!message) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no model chosen for this agent yet');
      const answer = { ...message, url: options.urlFor(address, message.version) };
      return withEtag(request.headers['if-none-match'], reply, answer, answer);
    },
  );
}
