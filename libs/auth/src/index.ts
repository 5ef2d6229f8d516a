export * from './jwt';
export * from './jwks';
export * from './token-source';
export * from './authorizer';
