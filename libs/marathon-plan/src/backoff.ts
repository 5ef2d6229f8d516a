export interface BackoffPolicy {
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
}

/**
 * Marathon's launch delay after `failures` consecutive failed launches: backoffSeconds,
 * then × backoffFactor per further failure, capped at maxLaunchDelaySeconds.
 */
export function launchDelaySeconds(p: BackoffPolicy, failures: number): number {
  if (failures <= 0) return 0;
  const d = p.backoffSeconds * Math.pow(p.backoffFactor, failures - 1);
  return Math.min(d, p.maxLaunchDelaySeconds);
}
