export * from './path-id';
export * from './backoff';
export * from './rollout';
export * from './plan';
