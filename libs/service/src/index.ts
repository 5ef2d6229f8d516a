export * from './service-core.module';
export * from './http';
export * from './body';
export { DCOS_TS_VERSION, COMPAT_VERSIONS } from '@dcos/contracts';
