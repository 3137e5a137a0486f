/** The protocol's image attachment type (preview / heatmap), named once for the agent. */
import type { Static } from '@sinclair/typebox';
import type { ImageBlobSchema } from '../../protocol/messages.ts';

export type ImageBlob = Static<typeof ImageBlobSchema>;
