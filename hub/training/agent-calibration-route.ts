/**
 * GET /api/agents/:site/:agent/calibration: the site's current calibration for one agent over HTTP, beside the
 * retained MQTT `calibration` message (like GET …/desired: docs/hub.md#site-calibration). The agent logs in as
 * itself (HTTP Basic, its MQTT login: images/agent-login.ts) and may read only its own. Out: the same
 * SiteCalibrationMessage the broker retains, with an ETag of the calibration it carries (not of `issuedAt`, the time
 * of this answer): 304 with no body when `If-None-Match` names it; 404 CXR_ERR_HUB_NOT_FOUND when the site has none;
 * 401 / 403 otherwise.
 */
import { Type } from '@sinclair/typebox';
import { SiteCalibrationMessageSchema } from '../../protocol/messages.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import { withEtag } from '../http/etag.ts';
import type { HubApp } from '../http/type-provider.ts';
import { type AgentLogin, AgentPathParams, ownAgent } from '../images/agent-login.ts';
import type { CalibrationPublisher } from './calibration-publisher.ts';
import type { CalibrationsStore } from './calibrations-store.ts';

export interface AgentCalibrationRouteOptions {
  login: AgentLogin;
  calibrations: Pick<CalibrationsStore, 'current'>;
  messageOf: CalibrationPublisher['messageOf'];
}

export async function agentCalibrationRoute(app: HubApp, options: AgentCalibrationRouteOptions) {
  app.get(
    '/api/agents/:site/:agent/calibration',
    {
      schema: {
        tags: ['training'],
        summary: "The site's current calibration (the agent's own login, HTTP Basic), as on MQTT calibration",
        params: AgentPathParams,
        response: {
          200: SiteCalibrationMessageSchema,
          304: Type.Null({ description: 'Not modified: If-None-Match names the current calibration' }),
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const address = await ownAgent(options.login, request, request.params, "site's calibration");
      const current = await options.calibrations.current(address.site);
      if (!current) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no calibration for this site yet');
      const message = options.messageOf(current);
      // The answer's issuedAt is the time of asking: the tag is what identifies the calibration itself.
      const identity = [message.site, message.version, message.modelVersion, message.signed];
      return withEtag(request.headers['if-none-match'], reply, identity, message);
    },
  );
}
