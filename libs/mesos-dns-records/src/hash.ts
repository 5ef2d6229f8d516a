import { createHash } from 'node:crypto';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** Base32 (RFC 4648 bit order, no padding) with the z-base-32 alphabet, as Go's base32.NewEncoding(zbase32). */
export function zbase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ZBASE32[(acc << (5 - bits)) & 31];
  return out;
}

/** `H` of the canonical task name: first 5 chars of zbase32(sha1(task id)). */
export function hashTaskId(taskId: string): string {
  return zbase32(createHash('sha1').update(taskId, 'utf8').digest()).slice(0, 5);
}

/** `S`: lower-cased last `-`-separated segment of an agent id (`…-S3` → `s3`). */
export function slaveIdTail(slaveId: string): string {
  const fields = slaveId.split('-');
  return fields[fields.length - 1].toLowerCase();
}
