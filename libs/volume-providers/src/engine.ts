import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { checkId, StorageError } from './errors';
import {
  Journal,
  type DiskRecord,
  type ExternalRecord,
  type ProviderRecord,
  type VolumeRecord,
} from './journal';
import {
  LoopPlugin,
  LvmPlugin,
  type ProviderCapacity,
  type ProviderHealth,
  type ProviderPlugin,
} from './plugins';
import {
  attachLoop,
  blockDeviceInfo,
  commandExists,
  detachLoop,
  detachLoops,
  exists,
  filesystemOf,
  isMounted,
  listLoops,
  listMounts,
  mkfs,
  mount,
  run,
  unmount,
} from './system';

export interface StorageEngineOptions {
  /** The agent's work dir; storage keeps everything under `<workDir>/storage`. */
  workDir: string;
  /** Block devices this node may use, relative to /dev (`xvdb`) or absolute. Nothing else is touched. */
  devices?: string[];
  /** File-backed disks to create and attach as loop devices (sizes in MiB, from `--disks 2x2G`). */
  fileDisks?: number[];
  /** The shared directory of external (DVDI) volumes; external volumes are off without it. */
  externalPoolDir?: string;
  /** Who holds an external volume's lease (the agent id or hostname). */
  nodeId?: string;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface DeviceView {
  name: string;
  path: string;
  status: 'ONLINE' | 'MISSING';
  type: string;
  rotational: boolean;
  sizeMb: number;
  /** The provider using it, if any. */
  provider?: string;
  /** `file` for a file-backed development disk. */
  backing: 'block' | 'file';
}

export interface ProviderView {
  id: string;
  name: string;
  plugin: 'loop' | 'lvm';
  devices: string[];
  labels: Record<string, string>;
  status: ProviderHealth;
  capacity: ProviderCapacity;
  volumes: number;
}

export interface VolumeView {
  id: string;
  provider: string;
  type: 'MOUNT' | 'BLOCK';
  sizeMb: number;
  filesystem?: string;
  profile?: string;
  device?: string;
  /** MOUNT: where the filesystem is mounted on the node. */
  mountPoint?: string;
  attachedAt: string[];
}

export interface ReconcileReport {
  rolledBack: string[];
  completed: string[];
  restored: string[];
  swept: string[];
}

export const EXTERNAL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The storage of one node: devices, volume providers, volumes, attachments into task
 * sandboxes and external volumes, with a write-ahead journal so that every loop device,
 * mount and file it makes is cleaned up on removal or after a crash (`reconcile`).
 * Operations are serialized and idempotent by id.
 */
export class StorageEngine {
  readonly root: string;
  readonly nodeId: string;
  private readonly journal: Journal;
  private readonly plugins: Record<'loop' | 'lvm', ProviderPlugin> = {
    loop: new LoopPlugin(),
    lvm: new LvmPlugin(),
  };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: NonNullable<StorageEngineOptions['log']>;

  constructor(readonly options: StorageEngineOptions) {
    this.root = resolve(options.workDir, 'storage');
    this.journal = new Journal(join(this.root, 'journal.json'));
    this.nodeId = options.nodeId ?? hostname();
    this.log = options.log ?? (() => undefined);
    for (const d of options.devices ?? [])
      checkId('device', d.replace(/^\/dev\//, '').replace(/\//g, '_'));
  }

  /** Run one operation at a time: the journal and the host's loop/mount tables are shared state. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Load the journal, create the file-backed disks and converge to the journal (agent start). */
  open(opts: { keepAttachment?: (target: string) => boolean } = {}): Promise<ReconcileReport> {
    return this.serial(async () => {
      await mkdir(this.root, { recursive: true });
      await this.journal.load();
      await this.ensureFileDisks();
      return this.reconcileNow(opts);
    });
  }

  reconcile(opts: { keepAttachment?: (target: string) => boolean } = {}): Promise<ReconcileReport> {
    return this.serial(() => this.reconcileNow(opts));
  }

  // ---- devices ----

  private diskFile(name: string): string {
    return join(this.root, 'disks', `${name}.img`);
  }

  private async ensureFileDisks(): Promise<void> {
    const sizes = this.options.fileDisks ?? [];
    await mkdir(join(this.root, 'disks'), { recursive: true });
    for (let i = 0; i < sizes.length; i++) {
      const name = `disk${i}`;
      const file = this.diskFile(name);
      const known = this.journal.state.disks[name];
      if (known && known.sizeMb !== sizes[i])
        this.log(
          'warn',
          `file-backed disk ${name} keeps its size ${known.sizeMb} MiB (asked ${sizes[i]} MiB)`,
        );
      if (!known)
        await this.journal.update((s) => void (s.disks[name] = { name, file, sizeMb: sizes[i] }));
      if (!(await exists(file))) await run('truncate', ['-s', `${sizes[i]}M`, file]);
      await attachLoop(file);
    }
  }

  /** The /dev path of a device this node may use, or a 404 for any other name. */
  private async devicePath(name: string): Promise<string> {
    const disk = this.journal.state.disks[name];
    if (disk) {
      const loops = await loopsFor(disk.file);
      if (!loops.length) throw new StorageError(`file-backed disk ${name} is not attached`, 503);
      return loops[0];
    }
    const configured = (this.options.devices ?? []).map((d) => d.replace(/^\/dev\//, ''));
    if (!configured.includes(name))
      throw new StorageError(`device "${name}" is not configured on node ${this.nodeId}`, 404);
    return `/dev/${name}`;
  }

  listDevices(): Promise<DeviceView[]> {
    return this.serial(async () => {
      const users = new Map<string, string>();
      for (const p of Object.values(this.journal.state.providers))
        for (const d of p.devices) users.set(d, p.name);
      const out: DeviceView[] = [];
      const names = [
        ...(this.options.devices ?? []).map((d) => d.replace(/^\/dev\//, '')),
        ...Object.keys(this.journal.state.disks),
      ];
      for (const name of names) {
        const backing = this.journal.state.disks[name] ? 'file' : 'block';
        let path = '';
        try {
          path = await this.devicePath(name);
          const info = await blockDeviceInfo(path);
          out.push({
            name,
            path,
            status: 'ONLINE',
            type: info.type,
            rotational: info.rotational,
            sizeMb: Math.floor(info.sizeBytes / (1024 * 1024)),
            provider: users.get(name),
            backing,
          });
        } catch {
          out.push({
            name,
            path,
            status: 'MISSING',
            type: 'disk',
            rotational: false,
            sizeMb: 0,
            provider: users.get(name),
            backing,
          });
        }
      }
      return out;
    });
  }

  // ---- providers ----

  private plugin(name: string): ProviderPlugin {
    const p = this.plugins[name as 'loop' | 'lvm'];
    if (!p) throw new StorageError(`unknown volume provider plugin "${name}" (known: loop, lvm)`);
    return p;
  }

  private async view(p: ProviderRecord): Promise<ProviderView> {
    const plugin = this.plugin(p.plugin);
    return {
      id: p.id,
      name: p.name,
      plugin: p.plugin,
      devices: p.devices,
      labels: p.labels ?? {},
      status: await plugin.health(p),
      capacity: await plugin.capacity(p),
      volumes: Object.values(this.journal.state.volumes).filter((v) => v.provider === p.name)
        .length,
    };
  }

  listProviders(): Promise<ProviderView[]> {
    return this.serial(async () => {
      const out: ProviderView[] = [];
      for (const p of Object.values(this.journal.state.providers))
        if (p.phase === 'ready') out.push(await this.view(p));
      return out;
    });
  }

  /**
   * Create a provider on configured devices (idempotent by name + id). The loop plugin formats
   * them: only devices this node is configured with, and not used by another provider.
   */
  createProvider(req: {
    id?: string;
    name: string;
    plugin: 'loop' | 'lvm';
    devices: string[];
    labels?: Record<string, string>;
  }): Promise<ProviderView> {
    return this.serial(async () => {
      checkId('provider name', req.name);
      const plugin = this.plugin(req.plugin);
      const devices = req.devices.map((d) => d.replace(/^\/dev\//, ''));
      if (devices.length === 0) throw new StorageError('a provider needs at least one device');
      const existing = this.journal.state.providers[req.name];
      if (existing && existing.phase === 'ready') {
        if (
          existing.plugin === req.plugin &&
          (req.id === undefined || req.id === existing.id) &&
          same(existing.devices, devices)
        )
          return this.view(existing);
        throw new StorageError(
          `provider "${req.name}" already exists on node ${this.nodeId} with another configuration`,
          409,
        );
      }
      for (const d of devices) {
        await this.devicePath(d);
        const user = Object.values(this.journal.state.providers).find(
          (p) => p.name !== req.name && p.devices.includes(d),
        );
        if (user)
          throw new StorageError(`device "${d}" is already used by provider "${user.name}"`, 409);
      }
      const rec: ProviderRecord = {
        id: req.id ?? existing?.id ?? randomUUID(),
        name: req.name,
        plugin: req.plugin,
        devices,
        labels: req.labels ?? {},
        phase: 'creating',
        pools: [],
      };
      rec.pools = plugin.plan(rec, this.root);
      await this.journal.update((s) => void (s.providers[rec.name] = rec));
      try {
        const paths = await this.devicePaths(rec);
        await plugin.ensure(rec, (n) => paths.get(n) ?? '');
      } catch (e) {
        await this.rollbackProvider(rec);
        throw e;
      }
      await this.journal.update((s) => void (s.providers[rec.name] = { ...rec, phase: 'ready' }));
      return this.view(this.journal.state.providers[rec.name]);
    });
  }

  private async devicePaths(p: ProviderRecord): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    // A device that cannot be resolved maps to nothing: never guess a /dev path.
    for (const d of p.devices) {
      const path = await this.devicePath(d).catch(() => undefined);
      if (path) m.set(d, path);
    }
    return m;
  }

  private async rollbackProvider(p: ProviderRecord): Promise<void> {
    const paths = await this.devicePaths(p);
    await this.plugin(p.plugin).remove(p, (n) => paths.get(n) ?? '');
    await this.journal.update((s) => void delete s.providers[p.name]);
  }

  /** Remove a provider (idempotent); refused while it has volumes. */
  removeProvider(name: string): Promise<void> {
    return this.serial(async () => {
      const p = this.journal.state.providers[name];
      if (!p) return;
      const vols = Object.values(this.journal.state.volumes).filter((v) => v.provider === name);
      if (vols.length)
        throw new StorageError(
          `provider "${name}" still has ${vols.length} volume(s): ${vols.map((v) => v.id).join(', ')}`,
          409,
        );
      await this.journal.update((s) => void (s.providers[name] = { ...p, phase: 'removing' }));
      await this.rollbackProvider(p);
    });
  }

  // ---- volumes ----

  /** Create a volume (idempotent by id: a repeat returns the existing one). */
  createVolume(req: {
    id: string;
    provider: string;
    sizeMb: number;
    type: 'MOUNT' | 'BLOCK';
    filesystem?: 'ext4' | 'xfs';
    profile?: string;
  }): Promise<VolumeView> {
    return this.serial(async () => {
      checkId('volume id', req.id);
      if (!Number.isInteger(req.sizeMb) || req.sizeMb < 8)
        throw new StorageError('a volume must be a whole number of MiB, at least 8');
      const fs = req.type === 'MOUNT' ? (req.filesystem ?? 'ext4') : undefined;
      if (fs === 'xfs' && !(await commandExists('mkfs.xfs')))
        throw new StorageError(
          `filesystem xfs is not available on node ${this.nodeId} (mkfs.xfs not installed)`,
          422,
        );
      const existing = this.journal.state.volumes[req.id];
      if (existing?.phase === 'ready') {
        if (
          existing.provider !== req.provider ||
          existing.sizeMb !== req.sizeMb ||
          existing.type !== req.type
        )
          throw new StorageError(`volume "${req.id}" already exists with another shape`, 409);
        return this.volumeView(existing);
      }
      if (existing) await this.dropVolume(existing);
      const p = this.journal.state.providers[req.provider];
      if (!p || p.phase !== 'ready')
        throw new StorageError(
          `provider "${req.provider}" does not exist on node ${this.nodeId}`,
          404,
        );
      const plugin = this.plugin(p.plugin);
      const file = await plugin.placeVolume(p, req.id, req.sizeMb);
      const rec: VolumeRecord = {
        id: req.id,
        provider: p.name,
        type: req.type,
        sizeMb: req.sizeMb,
        filesystem: fs,
        profile: req.profile,
        file,
        staging: req.type === 'MOUNT' ? join(this.root, 'volumes', req.id) : undefined,
        phase: 'creating',
      };
      await this.journal.update((s) => void (s.volumes[rec.id] = rec));
      try {
        await this.bringUp(p, rec, true);
      } catch (e) {
        await this.dropVolume(rec);
        throw e;
      }
      await this.journal.update((s) => void (s.volumes[rec.id] = { ...rec, phase: 'ready' }));
      return this.volumeView(this.journal.state.volumes[rec.id]);
    });
  }

  /** Device attached, filesystem made (first time only) and mounted at its staging point. */
  private async bringUp(p: ProviderRecord, v: VolumeRecord, fresh: boolean): Promise<string> {
    const dev = await this.plugin(p.plugin).ensureVolume(p, v);
    if (v.type === 'MOUNT' && v.staging) {
      const fs = await filesystemOf(dev);
      if (!fs) {
        if (!fresh) throw new StorageError(`volume ${v.id} lost its filesystem`, 503);
        await mkfs(v.filesystem ?? 'ext4', dev, v.id);
      }
      await mkdir(v.staging, { recursive: true });
      await mount(dev, v.staging);
    }
    return dev;
  }

  private async dropVolume(v: VolumeRecord): Promise<void> {
    await this.journal.update((s) => void (s.volumes[v.id] = { ...v, phase: 'removing' }));
    for (const a of Object.values(this.journal.state.attachments).filter(
      (x) => x.volumeId === v.id,
    )) {
      await unmount(a.target);
      await this.journal.update((s) => void delete s.attachments[a.target]);
    }
    if (v.staging) {
      await unmount(v.staging);
      await rm(v.staging, { recursive: true, force: true });
    }
    const p = this.journal.state.providers[v.provider];
    if (p) await this.plugin(p.plugin).removeVolume(p, v);
    else await detachLoops(v.file);
    await this.journal.update((s) => void delete s.volumes[v.id]);
  }

  /** Remove a volume (idempotent); refused while it is attached into a sandbox. */
  removeVolume(id: string): Promise<void> {
    return this.serial(async () => {
      const v = this.journal.state.volumes[id];
      if (!v) return;
      const used = Object.values(this.journal.state.attachments).filter((a) => a.volumeId === id);
      if (used.length)
        throw new StorageError(
          `volume "${id}" is in use (attached at ${used.map((a) => a.target).join(', ')})`,
          409,
        );
      await this.dropVolume(v);
    });
  }

  private async volumeView(v: VolumeRecord): Promise<VolumeView> {
    const loops = v.file.startsWith('/dev/') ? [v.file] : await loopsFor(v.file);
    return {
      id: v.id,
      provider: v.provider,
      type: v.type,
      sizeMb: v.sizeMb,
      filesystem: v.filesystem,
      profile: v.profile,
      device: loops[0],
      mountPoint: v.staging,
      attachedAt: Object.values(this.journal.state.attachments)
        .filter((a) => a.volumeId === v.id)
        .map((a) => a.target),
    };
  }

  listVolumes(): Promise<VolumeView[]> {
    return this.serial(async () => {
      const out: VolumeView[] = [];
      for (const v of Object.values(this.journal.state.volumes))
        if (v.phase === 'ready') out.push(await this.volumeView(v));
      return out;
    });
  }

  getVolume(id: string): Promise<VolumeView | undefined> {
    return this.serial(async () => {
      const v = this.journal.state.volumes[id];
      return v?.phase === 'ready' ? this.volumeView(v) : undefined;
    });
  }

  /**
   * Make a volume available to a task: a MOUNT volume is bind-mounted at `target` (e.g.
   * `$MESOS_SANDBOX/data`) until `detach`; a BLOCK volume answers with its device path.
   */
  attach(volumeId: string, target: string): Promise<{ target?: string; device?: string }> {
    return this.serial(async () => {
      const v = this.journal.state.volumes[volumeId];
      if (!v || v.phase !== 'ready')
        throw new StorageError(`volume "${volumeId}" does not exist on node ${this.nodeId}`, 404);
      const view = await this.volumeView(v);
      if (v.type === 'BLOCK') return { device: view.device };
      const abs = resolve(target);
      const cur = this.journal.state.attachments[abs];
      if (cur && cur.volumeId !== volumeId)
        throw new StorageError(`${abs} already has volume ${cur.volumeId} attached`, 409);
      await this.journal.update(
        (s) => void (s.attachments[abs] = { target: abs, volumeId, phase: 'attaching' }),
      );
      await mkdir(abs, { recursive: true });
      if (!v.staging) throw new StorageError(`volume ${volumeId} has no mount point`, 503);
      await mount(v.staging, abs, { bind: true });
      await this.journal.update(
        (s) => void (s.attachments[abs] = { target: abs, volumeId, phase: 'attached' }),
      );
      return { target: abs, device: view.device };
    });
  }

  detach(target: string): Promise<void> {
    return this.serial(async () => {
      const abs = resolve(target);
      const a = this.journal.state.attachments[abs];
      if (!a) return;
      await this.journal.update((s) => void (s.attachments[abs] = { ...a, phase: 'detaching' }));
      await unmount(abs);
      await this.journal.update((s) => void delete s.attachments[abs]);
    });
  }

  // ---- external (DVDI) volumes ----

  private pool(): string {
    if (!this.options.externalPoolDir)
      throw new StorageError(`external volumes are not configured on node ${this.nodeId}`, 422);
    return resolve(this.options.externalPoolDir);
  }

  /**
   * Attach the external volume `name` at `target` on this node: created (file + filesystem) on
   * first use in the shared pool, held exclusively through a lease file there.
   */
  attachExternal(
    name: string,
    req: { target: string; sizeMb?: number; filesystem?: 'ext4' | 'xfs' },
  ): Promise<{ device: string; target: string; created: boolean }> {
    return this.serial(async () => {
      if (!EXTERNAL_NAME_RE.test(name))
        throw new StorageError(`external volume name "${name}" must be 1-128 of [A-Za-z0-9._-]`);
      const pool = this.pool();
      const target = resolve(req.target);
      const cur = this.journal.state.external[name];
      if (cur?.phase === 'attached') {
        if (cur.target !== target)
          throw new StorageError(
            `external volume "${name}" is already attached at ${cur.target}`,
            409,
          );
        return { device: (await loopsFor(cur.image))[0], target, created: false };
      }
      const rec: ExternalRecord = {
        name,
        image: join(pool, `${name}.img`),
        lock: join(pool, `${name}.lock`),
        target,
        phase: 'attaching',
      };
      await mkdir(pool, { recursive: true });
      await this.takeLease(rec);
      await this.journal.update((s) => void (s.external[name] = rec));
      let created = false;
      try {
        if (!(await exists(rec.image))) {
          const size = req.sizeMb ?? 1024;
          if (!Number.isInteger(size) || size < 16)
            throw new StorageError('an external volume must be at least 16 MiB');
          // Made under a temporary name and renamed: a half-made image is never used.
          const tmp = `${rec.image}.creating-${this.nodeId}`;
          await rm(tmp, { force: true });
          await run('fallocate', ['-l', String(size * 1024 * 1024), tmp]);
          await mkfs(req.filesystem ?? 'ext4', tmp, name);
          await rename(tmp, rec.image);
          created = true;
        }
        const dev = await attachLoop(rec.image);
        await mkdir(target, { recursive: true });
        await mount(dev, target);
        await this.journal.update((s) => void (s.external[name] = { ...rec, phase: 'attached' }));
        return { device: dev, target, created };
      } catch (e) {
        await this.dropExternal(rec);
        throw e;
      }
    });
  }

  detachExternal(name: string): Promise<void> {
    return this.serial(async () => {
      const rec = this.journal.state.external[name];
      if (rec) await this.dropExternal(rec);
    });
  }

  /** Who holds the lease of external volume `name` (undefined: nobody). */
  async externalHolder(name: string): Promise<string | undefined> {
    try {
      return (
        JSON.parse(await readFile(join(this.pool(), `${name}.lock`), 'utf8')) as { node: string }
      ).node;
    } catch {
      return undefined;
    }
  }

  private async takeLease(rec: ExternalRecord): Promise<void> {
    const body = JSON.stringify({ node: this.nodeId, since: new Date().toISOString() });
    try {
      const fh = await open(rec.lock, 'wx');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await this.externalHolder(rec.name);
      if (holder !== this.nodeId)
        throw new StorageError(
          `external volume "${rec.name}" is attached on node ${holder ?? '(unknown)'}`,
          409,
        );
    }
  }

  private async dropExternal(rec: ExternalRecord): Promise<void> {
    await this.journal.update((s) => void (s.external[rec.name] = { ...rec, phase: 'detaching' }));
    await unmount(rec.target);
    await detachLoops(rec.image);
    await rm(`${rec.image}.creating-${this.nodeId}`, { force: true });
    if ((await this.externalHolder(rec.name)) === this.nodeId)
      await unlink(rec.lock).catch(() => undefined);
    await this.journal.update((s) => void delete s.external[rec.name]);
  }

  // ---- crash recovery ----

  private async reconcileNow(opts: {
    keepAttachment?: (target: string) => boolean;
  }): Promise<ReconcileReport> {
    const report: ReconcileReport = { rolledBack: [], completed: [], restored: [], swept: [] };
    const st = this.journal.state;
    const keep = opts.keepAttachment ?? (() => true);
    for (const d of Object.values(st.disks)) if (await exists(d.file)) await attachLoop(d.file);

    for (const e of Object.values(st.external)) {
      if (e.phase === 'attached' && keep(e.target)) {
        const dev = await attachLoop(e.image);
        await mkdir(e.target, { recursive: true });
        await mount(dev, e.target);
        report.restored.push(`external ${e.name}`);
      } else {
        await this.dropExternal(e);
        (e.phase === 'attached' ? report.completed : report.rolledBack).push(`external ${e.name}`);
      }
    }
    for (const p of Object.values(st.providers)) {
      if (p.phase === 'ready') {
        const paths = await this.devicePaths(p);
        await this.plugin(p.plugin).ensure(p, (n) => paths.get(n) ?? '');
        report.restored.push(`provider ${p.name}`);
      }
    }
    for (const v of Object.values(st.volumes)) {
      const p = st.providers[v.provider];
      if (v.phase === 'ready' && p?.phase === 'ready') {
        await this.bringUp(p, v, false);
        report.restored.push(`volume ${v.id}`);
      } else {
        await this.dropVolume(v);
        (v.phase === 'creating' ? report.rolledBack : report.completed).push(`volume ${v.id}`);
      }
    }
    for (const p of Object.values(st.providers)) {
      if (p.phase !== 'ready') {
        await this.rollbackProvider(p);
        (p.phase === 'creating' ? report.rolledBack : report.completed).push(`provider ${p.name}`);
      }
    }
    for (const a of Object.values(st.attachments)) {
      const v = st.volumes[a.volumeId];
      if (a.phase === 'attached' && v?.staging && keep(a.target)) {
        await mkdir(a.target, { recursive: true });
        await mount(v.staging, a.target, { bind: true });
        report.restored.push(`attachment ${a.target}`);
      } else {
        await unmount(a.target);
        await this.journal.update((s) => void delete s.attachments[a.target]);
        report.rolledBack.push(`attachment ${a.target}`);
      }
    }
    await this.sweep(report);
    if (report.rolledBack.length || report.completed.length || report.swept.length)
      this.log('info', `storage reconciled: ${JSON.stringify(report)}`);
    return report;
  }

  /** Mounts and loop devices under this node's storage dir that the journal does not want. */
  private async sweep(report: ReconcileReport): Promise<void> {
    const st = this.journal.state;
    const wantedMounts = new Set<string>();
    for (const p of Object.values(st.providers))
      for (const pool of p.pools) wantedMounts.add(pool.mountPoint);
    for (const v of Object.values(st.volumes)) if (v.staging) wantedMounts.add(v.staging);
    const under = (path: string) => path === this.root || path.startsWith(this.root + '/');
    const stray = (await listMounts())
      .filter((m) => under(m.target) && !wantedMounts.has(m.target))
      .map((m) => m.target)
      .sort((a, b) => b.length - a.length);
    for (const t of stray) {
      await unmount(t);
      report.swept.push(`mount ${t}`);
    }
    const wantedFiles = new Set<string>([
      ...Object.values(st.disks).map((d) => d.file),
      ...Object.values(st.volumes).map((v) => v.file),
    ]);
    for (const l of await listLoops()) {
      if (under(l.backingFile) && !wantedFiles.has(l.backingFile)) {
        await detachLoop(l.device);
        report.swept.push(`loop ${l.device} (${l.backingFile})`);
      }
    }
    // Volume files in pools that no volume owns (crash between fallocate and the journal).
    for (const p of Object.values(st.providers))
      for (const pool of p.pools) {
        if (!(await isMounted(pool.mountPoint))) continue;
        const dir = join(pool.mountPoint, 'volumes');
        for (const f of await readdir(dir).catch(() => [] as string[])) {
          const file = join(dir, f);
          if (!wantedFiles.has(file)) {
            await detachLoops(file);
            await rm(file, { force: true });
            report.swept.push(`file ${file}`);
          }
        }
      }
    // Leases this node took but never recorded (crash right after taking one).
    if (this.options.externalPoolDir) {
      const pool = this.pool();
      for (const f of await readdir(pool).catch(() => [] as string[])) {
        if (!f.endsWith('.lock')) continue;
        const name = f.slice(0, -'.lock'.length);
        if (!st.external[name] && (await this.externalHolder(name)) === this.nodeId) {
          await unlink(join(pool, f)).catch(() => undefined);
          report.swept.push(`lease ${name}`);
        }
      }
    }
  }

  /**
   * Remove everything this node's storage made (volumes, providers, external attachments,
   * file-backed disks): decommissioning a node, and test teardown.
   */
  purge(): Promise<void> {
    return this.serial(async () => {
      const st = this.journal.state;
      for (const e of Object.values(st.external)) await this.dropExternal(e);
      for (const v of Object.values(st.volumes)) await this.dropVolume(v);
      for (const p of Object.values(st.providers)) await this.rollbackProvider(p);
      for (const d of Object.values(st.disks)) {
        await detachLoops(d.file);
        await rm(d.file, { force: true });
        await this.journal.update((s) => void delete s.disks[d.name]);
      }
      await this.sweep({ rolledBack: [], completed: [], restored: [], swept: [] });
    });
  }

  /** For diagnostics and tests: the journal as recorded. */
  journalState() {
    return structuredClone(this.journal.state);
  }

  diskRecords(): DiskRecord[] {
    return Object.values(this.journal.state.disks);
  }
}

async function loopsFor(file: string): Promise<string[]> {
  return (await listLoops()).filter((l) => l.backingFile === file).map((l) => l.device);
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
