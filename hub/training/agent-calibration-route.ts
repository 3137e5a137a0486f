/**
 * GET /api/agents/:site/:agent/calibration: the site's current calibration for one agent over HTTP, beside the
 * retained MQTT `calibration` message (like GET …/desired: docs/hub.md#site-calibration). The agent logs in as
 * itself (HTTP Basic, its MQTT login: images/agent-login.ts) and may read only its own. Out: the same
 * SiteCalibrationMessage the broker retains; 404 CXR_ERR_HUB_NOT_FOUND when the site has none; 401 / 403 otherwise.
 */
import { Type } from '@sinclair/typebox';
import { SiteCalibrationMessageSchema } from '../../protocol/messages.ts';
import { ErrorBody, httpError } from '../http/errors.ts';
import type { HubApp } from '../http/type-provider.ts';
import type { AgentLogin } from '../images/agent-login.ts';
import type { CalibrationPublisher } from './calibration-publisher.ts';
import type { CalibrationsStore } from './calibrations-store.ts';

export interface AgentCalibrationRouteOptions {
  login: AgentLogin;
  calibrations: Pick<CalibrationsStore, 'current'>;
  messageOf: CalibrationPublisher['messageOf'];
}

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

export async function agentCalibrationRoute(app: HubApp, options: AgentCalibrationRouteOptions) {
  app.get(
    '/api/agents/:site/:agent/calibration',
    {
      schema: {
        tags: ['training'],
        summary: "The site's current calibration (the agent's own login, HTTP Basic), as on MQTT calibration",
        params: Type.Object({ site: Id, agent: Id }),
        response: { 200: SiteCalibrationMessageSchema, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const address = await options.login(request);
      if (address.site !== request.params.site || address.agent !== request.params.agent) {
        throw httpError('CXR_ERR_HUB_FORBIDDEN', "an agent reads only its own site's calibration");
      }
      const current = await options.calibrations.current(address.site);
      if (!current) throw httpError('CXR_ERR_HUB_NOT_FOUND', 'no calibration for this site yet');
      return options.messageOf(current);
    },
  );
}
