export * from './mesos-v1.proto';
export * from './codec';
export * from './negotiation';
