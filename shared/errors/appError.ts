/** The kinds of failure the app distinguishes; each maps to one HTTP status family and one retry decision. */
export type ErrorCategory =
  'CONNECTION' | 'TIMEOUT' | 'THROTTLE' | 'DATA' | 'AUTH' | 'CONFLICT' | 'NOT_FOUND' | 'VALIDATION';

/** One problem with one field of a request, as returned in a problem's "errors" list. */
export interface FieldError {
  /** Dotted path of the field ("title", "items.3.priority"); empty for the body as a whole. */
  field: string;
  message: string;
}

export interface AppErrorInit {
  /** Stable UPPER_SNAKE code that clients and tests can rely on. */
  code: string;
  category: ErrorCategory;
  /** HTTP status the API answers with for this failure. */
  status: number;
  retryable?: boolean;
  /** How long the caller should wait before retrying, when the backend said so. */
  retryAfterMs?: number;
  /** Per-field problems of a rejected request. */
  errors?: FieldError[];
  cause?: unknown;
}

/** The one error type every layer throws: carries a stable code, a category, retryability and the HTTP status. */
export class AppError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly status: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly errors: FieldError[] | undefined;

  constructor(message: string, init: AppErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AppError';
    this.code = init.code;
    this.category = init.category;
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.errors = init.errors;
  }
}

/** True when the value is an AppError with the given code (or any AppError when no code is given). */
export function isAppError(value: unknown, code?: string): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}
