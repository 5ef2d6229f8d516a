export * from './ranges';
export * from './resources';
export * from './allocator';
export { IndexedHeap } from './heap';
export type { HeapItem } from './heap';
export { mulberry32, shuffleInPlace } from './random';
