export * from './labels';
export * from './ip';
export * from './hash';
export * from './state';
export * from './record-store';
export * from './generator';
export * from './model';
