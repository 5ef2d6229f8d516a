import { z } from 'zod';
import { contract } from './validation';

export const SERVICE_NAMES = [
  'master',
  'agent',
  'marathon',
  'mesos-dns',
  'iam',
  'admin-router',
  'dss',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What a service says about itself (answer to servicePing, body of serviceStarted). */
export const ServiceInfoContract = contract(
  'ServiceInfo',
  z.object({
    service: z.enum(SERVICE_NAMES),
    instance: z.string().min(1),
    version: z.string().min(1),
    http: z.string().url(),
    startedAt: z.string().datetime(),
  }),
);
export type ServiceInfo = ReturnType<typeof ServiceInfoContract.parse>;

export const ServicePingContract = contract(
  'ServicePing',
  z.object({ from: z.string().min(1) }).strict(),
);
export type ServicePing = ReturnType<typeof ServicePingContract.parse>;
