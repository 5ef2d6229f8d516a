export * from './db';
export * from './db.module';
export * from './boots';
