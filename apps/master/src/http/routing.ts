/**
 * libprocess routes a request to the handler with the longest registered path prefix: the
 * master registers `/api/v1` (operator) and `/api/v1/scheduler`, so `/api/v1/scheduler` and
 * below are the scheduler API's and every other `/api/v1/<anything>` is the operator API's.
 */
export function isSchedulerPath(path: string): boolean {
  return /^(?:\/master)?\/api\/v1\/scheduler(?:\/|$)/.test(path);
}
