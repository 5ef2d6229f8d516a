import pc from 'picocolors';
import Table from 'cli-table3';

const COLORS = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue, pc.red, pc.white];
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const colorOf = new Map<string, (s: string) => string>();

/** `[agent-1] INFO  message` with one colour per component; pino JSON lines are unpacked. */
export function formatLine(component: string, line: string, width = 12): string {
  let color = colorOf.get(component);
  if (!color) {
    color = COLORS[colorOf.size % COLORS.length];
    colorOf.set(component, color);
  }
  const label = color(`[${component}]`.padEnd(width + 2));
  if (line.startsWith('{')) {
    try {
      const j = JSON.parse(line) as {
        level?: number;
        msg?: string;
        context?: string;
        err?: { message?: string };
      };
      const level = LEVELS[j.level ?? 30] ?? 'INFO';
      const lv =
        level === 'ERROR' || level === 'FATAL'
          ? pc.red(level)
          : level === 'WARN'
            ? pc.yellow(level)
            : pc.dim(level);
      const ctx = j.context ? pc.dim(`${j.context}: `) : '';
      return `${label} ${lv.padEnd(5)} ${ctx}${j.msg ?? ''}${j.err?.message ? ` ${j.err.message}` : ''}`;
    } catch {
      /* not JSON: print as is */
    }
  }
  return `${label} ${line}`;
}

export function summaryTable(
  rows: { name: string; url: string; status: number | 'down'; extra?: string }[],
  infra: { name: string; url: string; startedHere: boolean }[],
): string {
  const t = new Table({ head: ['component', 'url', 'health'], style: { head: ['bold'] } });
  for (const i of infra) {
    t.push([i.name, redact(i.url), i.startedHere ? 'started by launcher' : 'reachable']);
  }
  for (const r of rows) {
    t.push([
      r.name,
      r.url + (r.extra ? `  ${r.extra}` : ''),
      r.status === 200 ? pc.green('healthy') : pc.red(String(r.status)),
    ]);
  }
  return t.toString();
}

/** Never print a password from a URL. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
