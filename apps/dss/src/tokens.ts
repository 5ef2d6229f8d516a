import type { ConfigOf } from '@dcos/config';
import type { dssConfigShape } from './config';

export const DSS_CONFIG = Symbol('DSS_CONFIG');
export type DssSettings = ConfigOf<typeof dssConfigShape>;
