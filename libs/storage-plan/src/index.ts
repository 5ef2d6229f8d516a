export * from './size';
export * from './specs';
export * from './resources';
export * from './volume-machine';
