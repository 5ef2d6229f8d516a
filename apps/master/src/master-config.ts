import type { ConfigOf } from '@dcos/config';
import { masterConfigShape } from './config';

export type MasterConfig = ConfigOf<typeof masterConfigShape>;
