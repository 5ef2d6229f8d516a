export * from './constraints';
export * from './resources';
