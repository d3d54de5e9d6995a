import { AppError } from '../errors/appError';
import type { ReportKind } from './reportStoreNames';

/** The settings that configure report storage, as the error messages name them. */
export const STORAGE_SETTINGS = 'AzureWebJobsStorage (or AzureWebJobsStorage__blobServiceUri)';

/** 503: no storage is configured for reports (or the connection string cannot be used); names the setting. */
export function reportsStorageNotConfigured(reason?: string): AppError {
  const why = reason ?? 'no storage is configured';
  return new AppError(
    `Report storage is not available: ${why}. Set AzureWebJobsStorage to a storage connection string ` +
      '(UseDevelopmentStorage=true for Azurite, which npm start starts), or in Azure ' +
      'AzureWebJobsStorage__blobServiceUri for identity-based access.',
    { code: 'REPORTS_STORAGE_NOT_CONFIGURED', category: 'CONNECTION', status: 503, retryable: false },
  );
}

/** 503: the storage account did not answer or refused the app; the cause is for the log only. */
export function reportsStorageUnavailable(cause: unknown): AppError {
  return new AppError('Report storage is unavailable; retry later.', {
    code: 'REPORTS_STORAGE_UNAVAILABLE',
    category: 'CONNECTION',
    status: 503,
    retryable: true,
    retryAfterMs: 5_000,
    cause,
  });
}

/** 404: no report of this kind has been stored yet. */
export function reportNotFound(kind: ReportKind): AppError {
  return new AppError(`No ${kind} report has been stored yet.`, {
    code: 'REPORT_NOT_FOUND',
    category: 'NOT_FOUND',
    status: 404,
  });
}
