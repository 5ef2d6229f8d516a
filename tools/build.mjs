#!/usr/bin/env node
// Compiles apps/, libs/ and tools/ with SWC into dist/ (same layout), rewriting the
// @dcos/* path aliases from tsconfig.base.json into relative requires. Type checking
// is `npm run typecheck` (tsc --noEmit); this only emits, and fast.
import { transformFile } from '@swc/core';
import {
  readFileSync,
  mkdirSync,
  writeFileSync,
  readdirSync,
  statSync,
  rmSync,
  chmodSync,
  renameSync,
  existsSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));
const paths = base.compilerOptions.paths;

function walk(dir, files = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    const st = statSync(p);
    if (st.isDirectory()) walk(p, files);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.spec.ts')) files.push(p);
  }
  return files;
}

export function swcOptions() {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths,
    },
    module: { type: 'commonjs' },
    sourceMaps: true,
  };
}

/** Write through a temp file + rename, so a running service never reads a half-written module. */
function writeAtomic(target, content) {
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, target);
}

function listOutputs(dir, files = []) {
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listOutputs(p, files);
    else files.push(p);
  }
  return files;
}

async function main() {
  // Files are replaced in place (not a wiped dist/), so processes and test runs using the
  // previous build keep working while a new one is written; stale outputs go at the end.
  const files = ['apps', 'libs', 'tools'].flatMap((d) => walk(join(root, d)));
  const opts = swcOptions();
  const produced = new Set();
  await Promise.all(
    files.map(async (file) => {
      const rel = relative(root, file);
      const target = join(out, rel.replace(/\.ts$/, '.js'));
      const { code, map } = await transformFile(file, {
        ...opts,
        filename: file,
        sourceFileName: file,
      });
      mkdirSync(dirname(target), { recursive: true });
      writeAtomic(target, code + `\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
      produced.add(target);
      if (map) {
        writeAtomic(target + '.map', map);
        produced.add(target + '.map');
      }
      if (rel === 'apps/cli/src/main.ts') chmodSync(target, 0o755);
    }),
  );
  for (const f of listOutputs(out))
    if (!produced.has(f) && !f.endsWith('.tmp')) rmSync(f, { force: true });
  process.stdout.write(`built ${files.length} files into dist/\n`);
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
