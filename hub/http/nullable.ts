/** `T | null` in a response schema (a field not listed in a response schema is never sent). */
import { Type } from '@sinclair/typebox';

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
