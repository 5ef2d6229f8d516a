import Table from 'cli-table3';

/** A borderless table with two spaces between columns, as the DC/OS CLI prints its lists. */
export function borderlessTable(
  head: string[],
  rows: string[][],
  align?: ('left' | 'center' | 'right')[],
): string {
  const t = new Table({
    head,
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    ...(align ? { colAligns: align } : {}),
  });
  t.push(...rows);
  // cli-table3 pads the last column too; DC/OS output has no trailing blanks.
  return t
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n');
}
