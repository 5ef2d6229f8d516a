import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import {
  Checker,
  HealthChecker,
  checkStatusRunner,
  emptyCheckStatus,
  parseCheck,
  parseHealthCheck,
  runCommandCheck,
  runHttpCheck,
  runTcpCheck,
  type CheckStatus,
  type HealthReport,
} from './health-checks';

describe('parseHealthCheck', () => {
  it('applies Mesos defaults', () => {
    expect(parseHealthCheck({ type: 'COMMAND', command: { value: 'true' } })).toEqual({
      type: 'COMMAND',
      command: { value: 'true', env: {} },
      delaySeconds: 15,
      intervalSeconds: 10,
      timeoutSeconds: 20,
      consecutiveFailures: 3,
      gracePeriodSeconds: 10,
    });
    expect(parseHealthCheck({ type: 'HTTP', http: { port: 80, path: 'ok' } }).http).toEqual({
      port: 80,
      path: '/ok',
      scheme: 'http',
    });
    expect(parseHealthCheck({ type: 'TCP', tcp: { port: 9 } }).tcp).toEqual({ port: 9 });
  });

  it('names the bad field', () => {
    expect(() => parseHealthCheck({ type: 'COMMAND' })).toThrow('health_check.command.value');
    expect(() => parseHealthCheck({ type: 'HTTP', http: {} })).toThrow('health_check.http.port');
    expect(() => parseHealthCheck({ type: 'TCP', tcp: { port: 70000 } })).toThrow(
      'health_check.tcp.port',
    );
    expect(() => parseHealthCheck({ type: 'GRPC' })).toThrow('health_check.type');
    expect(() =>
      parseHealthCheck({ type: 'COMMAND', command: { value: 'x' }, interval_seconds: -1 }),
    ).toThrow('health_check.interval_seconds');
  });
});

describe('HealthChecker (fake time)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  /** A checker whose results come from `results` (undefined = healthy), one per check. */
  function setup(results: (string | undefined)[], over: Record<string, number> = {}) {
    const reports: HealthReport[] = [];
    const spec = parseHealthCheck({
      type: 'COMMAND',
      command: { value: 'x' },
      delay_seconds: 5,
      interval_seconds: 10,
      grace_period_seconds: 20,
      consecutive_failures: 3,
      ...over,
    });
    let runs = 0;
    const checker = new HealthChecker(
      spec,
      async () => results[runs++] ?? undefined,
      (r) => reports.push(r),
    );
    checker.start();
    return { reports, checker, runs: () => runs };
  }

  const advance = async (s: number) => {
    await jest.advanceTimersByTimeAsync(s * 1000);
  };

  it('waits delay_seconds, reports the first success only once, then each change', async () => {
    const { reports, runs } = setup([undefined, undefined, 'boom', undefined]);
    await advance(4.9);
    expect(runs()).toBe(0);
    await advance(0.1); // t=5: first check
    expect(runs()).toBe(1);
    expect(reports).toEqual([{ healthy: true, consecutiveFailures: 0, killTask: false }]);
    await advance(10); // t=15: still healthy, no report
    expect(reports).toHaveLength(1);
    await advance(10); // t=25: failure (after the first success the grace period is over)
    expect(reports[1]).toEqual({
      healthy: false,
      consecutiveFailures: 1,
      killTask: false,
      message: 'boom',
    });
    await advance(10); // t=35: healthy again
    expect(reports[2]).toEqual({ healthy: true, consecutiveFailures: 0, killTask: false });
  });

  it('ignores failures within the grace period before the first success', async () => {
    const { reports, runs } = setup(['a', 'b', 'c', 'd', 'e']);
    await advance(15); // checks at 5 and 15: in grace
    expect(runs()).toBe(2);
    expect(reports).toEqual([]);
    await advance(10); // t=25: past grace → counted
    expect(reports).toEqual([
      { healthy: false, consecutiveFailures: 1, killTask: false, message: 'c' },
    ]);
  });

  it('asks for the kill after consecutive_failures failures and stops checking', async () => {
    const { reports, checker, runs } = setup([undefined, 'x', 'y', 'z', 'never'], {
      consecutive_failures: 3,
    });
    await advance(5 + 30);
    expect(reports.map((r) => [r.healthy, r.consecutiveFailures, r.killTask])).toEqual([
      [true, 0, false],
      [false, 1, false],
      [false, 2, false],
      [false, 3, true],
    ]);
    expect(checker.killedTask).toBe(true);
    await advance(60);
    expect(runs()).toBe(4);
  });

  it('consecutive_failures 0 reports every failure but never asks for the kill', async () => {
    const { reports, checker, runs } = setup(['a', 'b', 'c', 'd', 'e'], {
      consecutive_failures: 0,
      grace_period_seconds: 0,
    });
    await advance(5 + 40);
    expect(reports.map((r) => [r.healthy, r.consecutiveFailures, r.killTask])).toEqual([
      [false, 1, false],
      [false, 2, false],
      [false, 3, false],
      [false, 4, false],
      [false, 5, false],
    ]);
    expect(checker.killedTask).toBe(false);
    expect(runs()).toBe(5);
  });

  it('a success resets the count of failures', async () => {
    const { reports } = setup([undefined, 'x', 'y', undefined, 'z'], { consecutive_failures: 3 });
    await advance(5 + 40);
    expect(reports.map((r) => r.consecutiveFailures)).toEqual([0, 1, 2, 0, 1]);
    expect(reports.some((r) => r.killTask)).toBe(false);
  });

  it('stop() ends the checks', async () => {
    const { checker, runs } = setup([]);
    checker.stop();
    await advance(100);
    expect(runs()).toBe(0);
  });
});

describe('check runners', () => {
  it('COMMAND: exit status, env, sandbox as the working directory, timeout', async () => {
    const ctx = { sandbox: tmpdir(), procsFiles: [], env: { PATH: process.env['PATH'] ?? '' } };
    expect(await runCommandCheck('true', ctx, 5000)).toBeUndefined();
    expect(await runCommandCheck('exit 3', ctx, 5000)).toBe('Command returned exit status 3');
    expect(
      await runCommandCheck(
        '[ "$X" = 1 ] && [ "$PWD" = "$Y" ]',
        {
          ...ctx,
          extraEnv: { X: '1', Y: tmpdir() },
        },
        5000,
      ),
    ).toBeUndefined();
    expect(await runCommandCheck('sleep 5', ctx, 100)).toBe('Command timed out after 0.1s');
  });

  it('TCP and HTTP against 127.0.0.1', async () => {
    const server = createServer((s) => {
      s.once('data', (d) => {
        const ok = d.toString().startsWith('GET /ok');
        s.end(
          `HTTP/1.1 ${ok ? '200 OK' : '503 Busy'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(await runTcpCheck(port, 1000)).toBeUndefined();
      expect(await runHttpCheck(`http://127.0.0.1:${port}/ok`, 1000)).toBeUndefined();
      expect(await runHttpCheck(`http://127.0.0.1:${port}/bad`, 1000)).toContain(
        'Unexpected HTTP status code 503',
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(await runTcpCheck(port, 1000)).toContain('ECONNREFUSED');
    expect(await runHttpCheck(`http://127.0.0.1:${port}/ok`, 1000)).toContain('ECONNREFUSED');
  });
});

describe('Mesos checks (TaskInfo.check)', () => {
  it('parses with defaults and names bad fields', () => {
    expect(
      parseCheck({
        type: 'COMMAND',
        command: { command: { value: 'exit 2' } },
        interval_seconds: 1,
      }),
    ).toEqual({
      type: 'COMMAND',
      command: { value: 'exit 2', env: {} },
      delaySeconds: 15,
      intervalSeconds: 1,
      timeoutSeconds: 20,
    });
    expect(() => parseCheck({ type: 'COMMAND', command: { value: 'x' } })).toThrow(
      'check.command.command.value',
    );
    expect(() => parseCheck({ type: 'HTTP', http: { port: 0 } })).toThrow('check.http.port');
    expect(() => parseCheck({ type: 'X' })).toThrow('check.type');
  });

  it('reports the status when it changes (fake time); an error is the empty status', async () => {
    jest.useFakeTimers();
    try {
      const spec = parseCheck({
        type: 'COMMAND',
        command: { command: { value: 'x' } },
        delay_seconds: 1,
        interval_seconds: 1,
      });
      const results: (CheckStatus | Error)[] = [
        { type: 'COMMAND', command: { exit_code: 1 } },
        { type: 'COMMAND', command: { exit_code: 1 } },
        { type: 'COMMAND', command: { exit_code: 0 } },
        new Error('timed out'),
      ];
      let i = 0;
      const reports: CheckStatus[] = [];
      const c = new Checker(
        spec,
        async () => {
          const r = results[i++];
          if (r instanceof Error) throw r;
          return r ?? { type: 'COMMAND', command: {} };
        },
        (s) => reports.push(s),
      );
      expect(emptyCheckStatus('TCP')).toEqual({ type: 'TCP', tcp: {} });
      c.start();
      await jest.advanceTimersByTimeAsync(4000);
      c.stop();
      expect(reports).toEqual([
        { type: 'COMMAND', command: { exit_code: 1 } },
        { type: 'COMMAND', command: { exit_code: 0 } },
        { type: 'COMMAND', command: {} },
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('runs a COMMAND check to its exit code and a TCP check to succeeded', async () => {
    const ctx = () => ({
      sandbox: tmpdir(),
      procsFiles: [],
      env: { PATH: process.env['PATH'] ?? '' },
    });
    const cmd = parseCheck({ type: 'COMMAND', command: { command: { value: 'exit 7' } } });
    expect(await checkStatusRunner(cmd, ctx)(5000)).toEqual({
      type: 'COMMAND',
      command: { exit_code: 7 },
    });
    const tcp = parseCheck({ type: 'TCP', tcp: { port: 1 } });
    expect(await checkStatusRunner(tcp, ctx)(1000)).toEqual({
      type: 'TCP',
      tcp: { succeeded: false },
    });
  });
});
