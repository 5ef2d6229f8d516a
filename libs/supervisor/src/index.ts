export * from './child';
export * from './services';
export * from './tcp-proxy';
export * from './net';
export * from './agent-leftovers';
