import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('text')
  uid: string;

  @Column('text')
  description: string;

  /** argon2id hash (PHC string); null for service accounts and remote users. */
  @Column('text', { name: 'password_hash', nullable: true })
  passwordHash: string | null;

  /** PEM SPKI RSA public key of a service account. */
  @Column('text', { name: 'public_key', nullable: true })
  publicKey: string | null;

  @Column('boolean', { name: 'is_service' })
  isService: boolean;

  @Column('boolean', { name: 'is_remote' })
  isRemote: boolean;

  @Column('text', { name: 'provider_type' })
  providerType: string;

  @Column('text', { name: 'provider_id' })
  providerId: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity({ name: 'groups' })
export class GroupEntity {
  @PrimaryColumn('text')
  gid: string;

  @Column('text')
  description: string;

  @Column('text', { name: 'provider_type' })
  providerType: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}

@Entity({ name: 'memberships' })
export class MembershipEntity {
  @PrimaryColumn('text')
  gid: string;

  @PrimaryColumn('text')
  uid: string;
}

@Entity({ name: 'acls' })
export class AclEntity {
  @PrimaryColumn('text')
  rid: string;

  @Column('text')
  description: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}

@Entity({ name: 'user_grants' })
export class UserGrantEntity {
  @PrimaryColumn('text')
  rid: string;

  @PrimaryColumn('text')
  uid: string;

  @PrimaryColumn('text')
  action: string;
}

@Entity({ name: 'group_grants' })
export class GroupGrantEntity {
  @PrimaryColumn('text')
  rid: string;

  @PrimaryColumn('text')
  gid: string;

  @PrimaryColumn('text')
  action: string;
}

@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid: string;

  /** Public half as a JWK. */
  @Column('jsonb', { name: 'public_jwk' })
  publicJwk: Record<string, string>;

  /** Private half (PKCS#8 PEM), AES-256-GCM encrypted with the key from IAM_SECRET_KEY. */
  @Column('text', { name: 'private_key_enc' })
  privateKeyEnc: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** When it stopped signing; it stays in the JWK set until its last token expires. */
  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt: Date | null;
}

@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  value: string;
}

export const IAM_ENTITIES = [
  UserEntity,
  GroupEntity,
  MembershipEntity,
  AclEntity,
  UserGrantEntity,
  GroupGrantEntity,
  SigningKeyEntity,
  SettingEntity,
];
