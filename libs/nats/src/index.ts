export * from './nats-client';
export * from './nats.module';
export * from './nats-transport';
export * from './nats.health';
