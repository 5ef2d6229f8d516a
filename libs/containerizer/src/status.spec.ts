import {
  decodeShellStatus,
  describeExit,
  describeSignal,
  memoryLimitMessage,
  signalName,
} from './status';
import { parsePasswd, resolveUser, UnknownUserError } from './users';
import { parseProcStat, collectTree, type ProcStat } from './proc';
import { findV1Hierarchies, ownCgroupPaths } from './cgroups';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('exit status wording (Mesos)', () => {
  it('decodes shell statuses', () => {
    expect(decodeShellStatus(0)).toEqual({ exitCode: 0, signal: null });
    expect(decodeShellStatus(3)).toEqual({ exitCode: 3, signal: null });
    expect(decodeShellStatus(137)).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(decodeShellStatus(143)).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(decodeShellStatus(255)).toEqual({ exitCode: 255, signal: null });
  });

  it('words messages like Mesos', () => {
    expect(describeExit({ exitCode: 3, signal: null })).toBe('Command exited with status 3');
    expect(describeExit({ exitCode: null, signal: 'SIGKILL' })).toBe(
      'Command terminated with signal Killed',
    );
    expect(describeExit({ exitCode: null, signal: 'SIGTERM' })).toBe(
      'Command terminated with signal Terminated',
    );
    expect(describeSignal(11)).toBe('Segmentation fault');
    expect(signalName(9)).toBe('SIGKILL');
    expect(memoryLimitMessage(64 * 1048576, 70 * 1048576)).toBe(
      'Memory limit exceeded: Requested: 64MB Maximum Used: 70MB',
    );
  });
});

describe('users', () => {
  const passwd =
    'root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nalice:x:1000:1001:Alice:/home/alice:/bin/sh\n';
  it('parses passwd', () => {
    expect(parsePasswd(passwd)).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' },
      { name: 'alice', uid: 1000, gid: 1001, home: '/home/alice', shell: '/bin/sh' },
    ]);
  });
  it('resolves by name or uid, errors clearly for unknown users', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ctz-passwd-')), 'passwd');
    fs.writeFileSync(file, passwd);
    expect(resolveUser('alice', file).uid).toBe(1000);
    expect(resolveUser('1000', file).name).toBe('alice');
    expect(() => resolveUser('bob', file)).toThrow(UnknownUserError);
    expect(() => resolveUser('bob', file)).toThrow(`unknown user "bob": not found in ${file}`);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

describe('/proc parsing', () => {
  it('parses stat lines with odd comm names', () => {
    const line =
      '1234 (my (weird) cmd) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 250 18446744073709551615 0';
    const st = parseProcStat(line)!;
    expect(st).toMatchObject({
      pid: 1234,
      comm: 'my (weird) cmd',
      state: 'S',
      ppid: 1,
      pgid: 1234,
      sid: 1234,
    });
    expect(st.startTime).toBe(987654);
    expect(st.rssPages).toBe(250);
  });

  it('collects a tree by group, descendants and known pids', () => {
    const p = (pid: number, ppid: number, pgid: number, startTime = 1, state = 'S'): ProcStat => ({
      pid,
      ppid,
      pgid,
      sid: pgid,
      comm: 'x',
      state,
      startTime,
      rssPages: 1,
    });
    const procs = [
      p(10, 1, 10),
      p(11, 10, 10),
      p(12, 11, 99),
      p(13, 12, 99),
      p(20, 1, 20),
      p(30, 1, 30, 7),
      p(31, 1, 10, 1, 'Z'),
    ];
    const known = new Map([[30, 7]]);
    const pids = collectTree(procs, 10, 10, known)
      .map((x) => x.pid)
      .sort();
    expect(pids).toEqual([10, 11, 12, 13, 30]);
    expect(collectTree(procs, 10, 10, new Map([[30, 8]])).map((x) => x.pid)).not.toContain(30);
  });
});

describe('cgroup discovery', () => {
  it('finds v1 hierarchies and own paths', () => {
    const mountinfo = [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
      '36 31 0:33 /kubepods /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '40 31 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(findV1Hierarchies(mountinfo)).toEqual({
      cpu: { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/' },
      memory: { mountPoint: '/sys/fs/cgroup/memory', root: '/kubepods' },
    });
    expect(ownCgroupPaths('4:memory:/a/b\n2:cpu,cpuacct:/\n0::/x\n')).toEqual({
      memory: '/a/b',
      cpu: '/',
      cpuacct: '/',
    });
  });
});
