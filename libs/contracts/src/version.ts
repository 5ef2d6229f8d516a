/** The dcos-ts release every component reports. */
export const DCOS_TS_VERSION = '0.1.0';
/** The Mesos / DC/OS versions whose APIs we speak (reported where clients check them). */
export const COMPAT_VERSIONS = { mesos: '1.11.0', marathon: '1.9.0', dcos: '2.2.0' } as const;
