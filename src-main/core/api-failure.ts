import type { ApiErrorDto } from '../shared/api-contract';

/** An expected failure with a message meant for the user; anything else is reported as 'internal'. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorDto['code'],
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export function toErrorDto(error: unknown): ApiErrorDto {
  if (error instanceof ApiFailure) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}
