/**
 * Fastify type provider for @sinclair/typebox 0.34 (the project's TypeBox). @fastify/type-provider-typebox
 * 6.x targets the newer `typebox` 1.x package, whose `Static` does not accept 0.34 schemas; this is the
 * same six lines it shipped for 0.34. Validation stays fastify's default (ajv); route handler types come
 * from the schemas.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

export type HubApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxProvider
>;
