export * from './wait';
export * from './database';
export * from './service';
export { freePort, isListening, TcpProxy } from '@dcos/supervisor';
export * from './mesos-scheduler';
export * from './dns';
export * from './cli';
export { killAgentTaskLeftovers } from '@dcos/supervisor';
export * from './fuzz';
