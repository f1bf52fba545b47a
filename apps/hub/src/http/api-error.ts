import { HttpException } from '@nestjs/common';
import type { Issue } from '@exhub/core';

/** The one error body every endpoint answers with: a machine code, a sentence, and where. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: Issue[];
}

/** An error the hub answers on purpose, with its body already in the API's shape. */
export class ApiError extends HttpException {
  constructor(readonly body: ApiErrorBody) {
    super(body, body.statusCode);
  }
}

export function apiError(
  status: number,
  error: string,
  message: string,
  issues?: Issue[],
): ApiError {
  return new ApiError({
    statusCode: status,
    error,
    message,
    ...(issues?.length ? { issues } : {}),
  });
}
