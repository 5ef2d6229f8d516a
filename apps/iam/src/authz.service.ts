import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IamChangedContract, type IamAction, type IamChanged } from '@dcos/contracts';
import { NatsClient } from '@dcos/nats';
import { GroupGrantEntity, MembershipEntity, UserEntity, UserGrantEntity } from './entities';
import { forbidden } from './errors';
import { PermissionIndex } from './permissions';

/**
 * The in-memory permission index behind every decision. Any change (here, or on
 * another IAM instance, announced on `iamChanged`) bumps a generation; the next
 * decision reloads the index once from Postgres. A 30 s timer is the safety net.
 */
@Injectable()
export class AuthzService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('authz');
  private index = PermissionIndex.empty();
  private generation = 1;
  private loadedGeneration = 0;
  private loading?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly listeners: ((e: IamChanged) => void)[] = [];

  constructor(
    private readonly ds: DataSource,
    @Inject(NatsClient) private readonly nats: NatsClient,
  ) {}

  onApplicationBootstrap(): void {
    this.nats.subscribe<IamChanged>(
      this.nats.subjects.iamChanged,
      (e) => {
        if (e.kind !== 'keys') this.generation++;
        for (const l of this.listeners) l(e);
      },
      { input: IamChangedContract },
    );
    this.timer = setInterval(() => this.generation++, 30_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onChange(listener: (e: IamChanged) => void): void {
    this.listeners.push(listener);
  }

  /** Record a committed change: drop the local index and tell every other instance. */
  changed(kind: IamChanged['kind']): void {
    if (kind !== 'keys') this.generation++;
    try {
      this.nats.publish(
        this.nats.subjects.iamChanged,
        { kind, at: new Date().toISOString() },
        IamChangedContract,
      );
    } catch (e) {
      this.logger.warn(`cannot announce IAM change: ${(e as Error).message}`);
    }
  }

  async current(): Promise<PermissionIndex> {
    while (this.loadedGeneration < this.generation) await this.reload();
    return this.index;
  }

  private reload(): Promise<void> {
    if (!this.loading) {
      const gen = this.generation;
      this.loading = (async () => {
        const [users, memberships, userGrants, groupGrants] = await Promise.all([
          this.ds.getRepository(UserEntity).find({ select: { uid: true } }),
          this.ds.getRepository(MembershipEntity).find(),
          this.ds.getRepository(UserGrantEntity).find(),
          this.ds.getRepository(GroupGrantEntity).find(),
        ]);
        this.index = new PermissionIndex({
          users: users.map((u) => u.uid),
          memberships,
          userGrants,
          groupGrants,
        });
        this.loadedGeneration = gen;
      })().finally(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  async isAllowed(uid: string, rid: string, action: IamAction): Promise<boolean> {
    return (await this.current()).isAllowed(uid, rid, action);
  }

  /** 403 unless `uid` may do `action` on `rid`. */
  async require(uid: string, rid: string, action: IamAction): Promise<void> {
    if (!(await this.isAllowed(uid, rid, action)))
      throw forbidden(`${uid} is not allowed to ${action} ${rid}`);
  }
}
