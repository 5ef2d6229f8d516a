import * as os from 'node:os';

export type TaskTerminalState = 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED';

export type TerminationReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_EXECUTOR_TERMINATED';

/** Mesos' strsignal() wording, as used in "Command terminated with signal Killed". */
const SIGNAL_DESCRIPTIONS: Record<string, string> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited',
  SIGCONT: 'Continued',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGWINCH: 'Window changed',
  SIGIO: 'I/O possible',
  SIGPWR: 'Power failure',
  SIGSYS: 'Bad system call',
};

export function signalName(num: number): NodeJS.Signals | undefined {
  for (const [name, n] of Object.entries(os.constants.signals)) {
    if (n === num) return name as NodeJS.Signals;
  }
  return undefined;
}

export function signalNumber(name: NodeJS.Signals): number {
  return (os.constants.signals as Record<string, number>)[name] ?? 0;
}

export function describeSignal(signal: NodeJS.Signals | number): string {
  const name = typeof signal === 'number' ? signalName(signal) : signal;
  if (name && SIGNAL_DESCRIPTIONS[name]) return SIGNAL_DESCRIPTIONS[name];
  const num = typeof signal === 'number' ? signal : signalNumber(signal);
  return `Unknown signal ${num}`;
}

/** How a command ended: an exit code or a signal (exactly one is non-null). */
export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Decodes a shell status ($?): 0-128 are exit codes, 129-192 mean "killed by signal N-128"
 * (the shell convention; a command that itself exits with 129+ is read as a signal too).
 */
export function decodeShellStatus(status: number): ExitInfo {
  if (status > 128 && status <= 128 + 64) {
    const sig = signalName(status - 128);
    if (sig) return { exitCode: null, signal: sig };
  }
  return { exitCode: status, signal: null };
}

/** The Mesos wording: "Command exited with status 3" / "Command terminated with signal Killed". */
export function describeExit(info: ExitInfo): string {
  if (info.signal) return `Command terminated with signal ${describeSignal(info.signal)}`;
  return `Command exited with status ${info.exitCode ?? 'unknown'}`;
}

export function formatMiB(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))}MB`;
}

/** Mesos' memory limitation message ("Memory limit exceeded: Requested: 64MB Maximum Used: 64MB"). */
export function memoryLimitMessage(limitBytes: number, maxUsedBytes?: number): string {
  const used = maxUsedBytes !== undefined && maxUsedBytes > 0 ? formatMiB(maxUsedBytes) : 'unknown';
  return `Memory limit exceeded: Requested: ${formatMiB(limitBytes)} Maximum Used: ${used}`;
}
