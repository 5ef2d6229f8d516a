import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'providers' })
export class ProviderEntity {
  @PrimaryColumn('text')
  name: string;

  /** The resource provider id its capacity is offered under. */
  @Column('text')
  id: string;

  @Column('text')
  description: string;

  @Column('text')
  plugin: string;

  @Column('text')
  node: string;

  /** The full DC/OS spec as accepted. */
  @Column('jsonb')
  spec: object;

  /** CREATING while the agent makes it, then READY. */
  @Column('text')
  phase: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}

@Entity({ name: 'profiles' })
export class ProfileEntity {
  @PrimaryColumn('text')
  name: string;

  @Column('text')
  description: string;

  @Column('jsonb')
  spec: object;

  @Column('boolean')
  active: boolean;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}

@Entity({ name: 'volumes' })
export class VolumeEntity {
  @PrimaryColumn('text')
  name: string;

  @Column('text', { name: 'asset_id' })
  assetId: string;

  @Column('integer', { name: 'capacity_mb' })
  capacityMb: number;

  @Column('text')
  profile: string;

  /** MOUNT or BLOCK, from the profile at creation (profiles are immutable). */
  @Column('text')
  type: string;

  @Column('text', { nullable: true })
  node: string | null;

  @Column('text', { nullable: true })
  provider: string | null;

  @Column('text')
  state: string;

  /** The framework's plan for it (eligible providers, pinned provider, attempts, disk). */
  @Column('jsonb')
  plan: object;

  @Column('text', { nullable: true })
  message: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  value: string;
}

export const DSS_ENTITIES = [ProviderEntity, ProfileEntity, VolumeEntity, SettingEntity];
