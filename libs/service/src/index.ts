export * from './service-core.module';
export * from './http';
export { DCOS_TS_VERSION, COMPAT_VERSIONS } from '@dcos/contracts';
