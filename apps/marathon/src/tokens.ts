import type { ConfigOf } from '@dcos/config';
import type { marathonConfigShape } from './config';

export type MarathonConfig = ConfigOf<typeof marathonConfigShape>;
export const MARATHON_CONFIG = Symbol('MARATHON_CONFIG');
