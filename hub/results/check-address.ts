/**
 * Pure: a message's own site/agent must equal the topic's (ARCHITECTURE.md: the broker ACL proves who
 * published on which topic; the body must not claim to be someone else).
 */
import { CxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';

export function checkAddress(topic: AgentAddress, body: { site: string; agent: string }): void {
  if (body.site !== topic.site || body.agent !== topic.agent) {
    throw new CxrError(
      'CXR_ERR_HUB_TOPIC_MISMATCH',
      `message claims ${body.site}/${body.agent} but was published on ${topic.site}/${topic.agent}'s topic`,
    );
  }
}
