export * from './containerizer';
export * from './resources';
export * from './status';
export * from './users';
export * from './proc';
export * from './cgroups';
export { WRAPPER_SCRIPT, WRAPPER_NAME } from './wrapper';
