export * from './errors';
export * from './journal';
export * from './plugins';
export * from './engine';
export * from './system';
export * from './agent-storage';
