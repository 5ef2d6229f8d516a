/**
 * Marathon's `container.volumes[]` that this cluster runs: external (DVDI) volumes, which follow
 * their task to whichever agent it lands on, and local persistent volumes, which pin the
 * instance to the agent and the disk it first claimed. Host and secret volumes are kept in the
 * app JSON as given and not acted on (the containerizer has no host bind mounts).
 */
export interface ExternalVolume {
  kind: 'external';
  containerPath: string;
  mode: 'RW' | 'RO';
  name: string;
  provider: 'dvdi';
  /** `options["dvdi/driver"]`: Mesos' `docker_volume.driver`. */
  driver?: string;
  /** The other options: Mesos' `docker_volume.driver_options`. */
  options: Record<string, string>;
  /** GiB, as Marathon's `external.size`; sent as the driver option `size`. */
  size?: number;
}

export interface PersistentVolume {
  kind: 'persistent';
  containerPath: string;
  mode: 'RW';
  type: 'root' | 'mount' | 'block';
  /** MiB. */
  size: number;
  profileName?: string;
}

export type AppVolume = ExternalVolume | PersistentVolume;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A relative path inside the sandbox: what the agent mounts at `$MESOS_SANDBOX/<path>`. */
const sandboxPathError = (cp: string): string | undefined =>
  cp === '' || cp.startsWith('/') || cp.split('/').some((s) => s === '..')
    ? 'must be a relative path inside the sandbox (no leading "/" and no "..")'
    : undefined;

/**
 * Validate `container.volumes`; `add(path, error)` records violations with Marathon's paths
 * (`/container/volumes(0)/external/name`). Answers the volumes this cluster acts on.
 */
export function readVolumes(
  container: Obj | undefined,
  p: string,
  add: (path: string, error: string) => void,
): AppVolume[] {
  const raw = container?.volumes;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    add(`${p}/container/volumes`, 'error.expected.jsarray');
    return [];
  }
  const out: AppVolume[] = [];
  raw.forEach((v, i) => {
    const vp = `${p}/container/volumes(${i})`;
    if (!isObj(v)) return add(vp, 'error.expected.jsobject');
    const cp = v.containerPath;
    const mode = v.mode ?? 'RW';
    if (mode !== 'RW' && mode !== 'RO') add(`${vp}/mode`, 'error.expected.enum: RO, RW');
    if (v.external !== undefined && v.persistent !== undefined)
      add(vp, 'a volume is either external or persistent, not both');
    if (v.external !== undefined) {
      if (typeof cp !== 'string') return add(`${vp}/containerPath`, 'error.path.missing');
      const bad = sandboxPathError(cp);
      if (bad) add(`${vp}/containerPath`, bad);
      const e = v.external;
      if (!isObj(e)) return add(`${vp}/external`, 'error.expected.jsobject');
      const ep = `${vp}/external`;
      if (typeof e.name !== 'string' || e.name === '') add(`${ep}/name`, 'error.path.missing');
      else if (!/^[A-Za-z0-9._-]{1,128}$/.test(e.name))
        add(`${ep}/name`, 'must be 1-128 characters of [A-Za-z0-9._-]');
      if (e.provider !== 'dvdi') add(`${ep}/provider`, 'is unknown provider');
      const options: Record<string, string> = {};
      if (e.options !== undefined && !isObj(e.options))
        add(`${ep}/options`, 'error.expected.jsobject');
      for (const [k, x] of Object.entries(isObj(e.options) ? e.options : {})) {
        if (typeof x !== 'string') add(`${ep}/options/${k}`, 'error.expected.jsstring');
        else options[k] = x;
      }
      if (options.size !== undefined && !/^\d+\s*(M|MB|MiB|G|GB|GiB)?$/i.test(options.size))
        add(`${ep}/options/size`, 'must be a size such as "1", "64M" or "2G" (plain = GiB)');
      if (e.size !== undefined && (!Number.isInteger(e.size) || (e.size as number) < 1))
        add(`${ep}/size`, 'error.min: must be a positive integer (GiB)');
      if (typeof e.name !== 'string' || e.provider !== 'dvdi') return;
      const driver = options['dvdi/driver'];
      delete options['dvdi/driver'];
      out.push({
        kind: 'external',
        containerPath: cp,
        mode: mode === 'RO' ? 'RO' : 'RW',
        name: e.name,
        provider: 'dvdi',
        ...(driver !== undefined ? { driver } : {}),
        options,
        ...(typeof e.size === 'number' ? { size: e.size } : {}),
      });
    } else if (v.persistent !== undefined) {
      const pp = `${vp}/persistent`;
      if (typeof cp !== 'string') return add(`${vp}/containerPath`, 'error.path.missing');
      // Marathon: a persistent volume's containerPath is a single relative path segment.
      if (cp === '' || cp.includes('/'))
        add(`${vp}/containerPath`, 'value must not contain "/" and must not be empty');
      if (mode !== 'RW') add(`${vp}/mode`, 'is not equal to RW');
      const pv = v.persistent;
      if (!isObj(pv)) return add(pp, 'error.expected.jsobject');
      const type = pv.type ?? 'root';
      if (type !== 'root' && type !== 'mount' && type !== 'block')
        add(`${pp}/type`, 'error.expected.enum: root, mount, block');
      if (pv.size === undefined) add(`${pp}/size`, 'error.path.missing');
      else if (!Number.isInteger(pv.size) || (pv.size as number) < 1)
        add(`${pp}/size`, 'error.min: must be a positive integer (MiB)');
      if (pv.profileName !== undefined && (typeof pv.profileName !== 'string' || !pv.profileName))
        add(`${pp}/profileName`, 'error.expected.jsstring');
      if (pv.profileName !== undefined && type === 'root')
        add(`${pp}/profileName`, 'profileName is only allowed for mount and block volumes');
      if (typeof pv.size !== 'number' || (type !== 'root' && type !== 'mount' && type !== 'block'))
        return;
      out.push({
        kind: 'persistent',
        containerPath: cp,
        mode: 'RW',
        type,
        size: pv.size,
        ...(typeof pv.profileName === 'string' ? { profileName: pv.profileName } : {}),
      });
    }
  });
  // Several persistent volumes: each is claimed and mounted at its own containerPath.
  const paths = out.filter((v) => v.kind === 'persistent').map((v) => v.containerPath);
  if (new Set(paths).size !== paths.length)
    add(`${p}/container/volumes`, 'persistent volume containerPath must be unique');
  const names = out.filter((v) => v.kind === 'external').map((v) => v.name);
  if (new Set(names).size !== names.length)
    add(`${p}/container/volumes`, 'Volume name must be unique');
  return out;
}

/** The volumes of a stored (already valid) app. */
export function appVolumes(app: { container?: Obj }): AppVolume[] {
  return readVolumes(app.container, '', () => undefined);
}

/** A `size` driver option ("64M", "2G", plain = GiB) in MiB; undefined when absent or bad. */
export function externalSizeMb(size: string | undefined): number | undefined {
  const m = size === undefined ? null : /^(\d+)\s*(M|MB|MiB|G|GB|GiB)?$/i.exec(size);
  if (!m) return undefined;
  return /^m/i.test(m[2] ?? 'G') ? Number(m[1]) : Number(m[1]) * 1024;
}

/**
 * Mesos' `ContainerInfo.volumes` for external volumes, as Marathon sends them to the Mesos
 * containerizer: `source.type DOCKER_VOLUME` with the driver, the name and the options.
 */
export function mesosExternalVolumes(volumes: AppVolume[]): Obj[] {
  return volumes
    .filter((v): v is ExternalVolume => v.kind === 'external')
    .map((v) => {
      const opts = { ...v.options, ...(v.size !== undefined ? { size: String(v.size) } : {}) };
      return {
        container_path: v.containerPath,
        mode: v.mode,
        source: {
          type: 'DOCKER_VOLUME',
          docker_volume: {
            ...(v.driver !== undefined ? { driver: v.driver } : {}),
            name: v.name,
            ...(Object.keys(opts).length
              ? {
                  driver_options: {
                    parameter: Object.entries(opts).map(([key, value]) => ({ key, value })),
                  },
                }
              : {}),
          },
        },
      };
    });
}

const persistentCache = new WeakMap<object, PersistentVolume[]>();

/** The app's persistent volumes (in the order given), parsed once per stored app object. */
export function persistentVolumesOf(app: { container?: Obj }): PersistentVolume[] {
  if (!Array.isArray(app.container?.volumes)) return [];
  let v = persistentCache.get(app);
  if (v === undefined) {
    v = appVolumes(app).filter((x): x is PersistentVolume => x.kind === 'persistent');
    persistentCache.set(app, v);
  }
  return v;
}
