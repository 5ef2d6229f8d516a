/**
 * The task wrapper: a tiny POSIX sh script that becomes the leader of the task's session and
 * process group (spawned detached), joins the container's cgroups BEFORE anything of the task
 * runs (race-free: the command is forked after), runs the command as its child, waits for it,
 * and records its status in `<metaDir>/exit_status`, so that an agent that was restarted
 * meanwhile can still learn how the task ended.
 *
 * argv: $1 = meta dir, $2 = number N of cgroup.procs files, then N files, then the command.
 *
 * SIGTERM/SIGINT/SIGHUP/SIGQUIT sent to the group reach the command; the wrapper catches them
 * (traps run only after the foreground command ends), so it survives to record the status.
 * Caught signals are reset to the default in the command by exec.
 */
export const WRAPPER_SCRIPT = [
  'meta=$1; n=$2; shift 2',
  'while [ "$n" -gt 0 ]; do',
  '  if ! echo $$ > "$1"; then',
  '    printf "could not join cgroup (%s)\\n" "$1" > "$meta/launch_error"',
  '    exit 125',
  '  fi',
  '  n=$((n - 1)); shift',
  'done',
  "trap ':' TERM INT HUP QUIT",
  '"$@"',
  'st=$?',
  'printf "%s\\n" "$st" > "$meta/exit_status"',
  'exit "$st"',
].join('\n');

/** argv[0] of the wrapper as it shows in `ps` ("dcos-ts-task"). */
export const WRAPPER_NAME = 'dcos-ts-task';

export function wrapperArgs(metaDir: string, procsFiles: string[], command: string[]): string[] {
  return [
    '-c',
    WRAPPER_SCRIPT,
    WRAPPER_NAME,
    metaDir,
    String(procsFiles.length),
    ...procsFiles,
    ...command,
  ];
}
