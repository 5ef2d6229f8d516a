/** DI token of the parsed IAM configuration. */
export const IAM_CONFIG = Symbol('IAM_CONFIG');
