// The single entry every door uses: validate the arguments against the contract's schema, call the service,
// wrap the outcome in an envelope. Doors stay generic over method names.
import { z } from 'zod';
import { apiArgSchemas, isApiMethod, type ApiMethod, type Envelope, type LoupeApi } from '../shared/api-contract';
import { ApiFailure, toErrorDto } from './api-failure';

export async function dispatch(api: LoupeApi, method: string, rawArgs: unknown): Promise<Envelope<unknown>> {
  try {
    if (!isApiMethod(method)) throw new ApiFailure('not-found', `unknown method "${method}"`);
    const parsed = apiArgSchemas[method].safeParse(rawArgs ?? {});
    if (!parsed.success) {
      throw new ApiFailure('invalid-argument', `${method}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    }
    const call = api[method] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await call(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorDto(error) };
  }
}

export function methodOf(name: string): ApiMethod | null {
  return isApiMethod(name) ? name : null;
}
