import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FetchError, fetchUris } from './fetcher';

describe('fetcher', () => {
  let dir: string;
  let sandbox: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/files/run.sh') res.end('#!/bin/sh\necho fetched\n');
      else if (req.url === '/big') res.end(Buffer.alloc(4096));
      else {
        res.statusCode = 404;
        res.end('no');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(tmpdir(), 'fetcher-'));
    sandbox = path.join(dir, 'sandbox');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('copies a local file given as a path and as a file:// URL, with output_file and executable', async () => {
    const src = path.join(dir, 'config.json');
    fs.writeFileSync(src, '{"a":1}');
    const lines: string[] = [];
    const out = await fetchUris(
      [
        { value: src },
        { value: pathToFileURL(src).href, output_file: 'conf/copy.json', executable: true },
      ],
      { sandbox, log: (l) => lines.push(l) },
    );
    expect(out).toEqual([path.join(sandbox, 'config.json'), path.join(sandbox, 'conf/copy.json')]);
    expect(fs.readFileSync(path.join(sandbox, 'config.json'), 'utf8')).toBe('{"a":1}');
    expect(fs.statSync(path.join(sandbox, 'conf/copy.json')).mode & 0o111).toBe(0o111);
    expect(fs.statSync(path.join(sandbox, 'config.json')).mode & 0o111).toBe(0);
    expect(lines[0]).toBe(`Fetching URI '${src}'`);
    expect(lines).toContain(
      `Successfully fetched '${src}' to '${path.join(sandbox, 'config.json')}'`,
    );
  });

  it('downloads an http URL into the sandbox', async () => {
    await fetchUris([{ value: `${base}/files/run.sh`, executable: true }], { sandbox });
    const file = path.join(sandbox, 'run.sh');
    expect(fs.readFileSync(file, 'utf8')).toContain('echo fetched');
    expect(execFileSync(file).toString()).toBe('fetched\n');
  });

  it('extracts a .tar.gz (extract defaults to true) and keeps it packed with extract: false', async () => {
    const content = path.join(dir, 'content');
    fs.mkdirSync(path.join(content, 'app'), { recursive: true });
    fs.writeFileSync(path.join(content, 'app', 'hello.txt'), 'hi');
    const archive = path.join(dir, 'bundle.tar.gz');
    execFileSync('tar', ['-C', content, '-czf', archive, 'app']);
    await fetchUris([{ value: archive }], { sandbox });
    expect(fs.readFileSync(path.join(sandbox, 'app', 'hello.txt'), 'utf8')).toBe('hi');
    expect(fs.existsSync(path.join(sandbox, 'bundle.tar.gz'))).toBe(true);

    const other = path.join(dir, 'other');
    await fetchUris([{ value: archive, extract: false }], { sandbox: other });
    expect(fs.readdirSync(other)).toEqual(['bundle.tar.gz']);
  });

  it('fails naming the URI: missing file, HTTP 404, bad scheme, relative path, too large, escaping output_file', async () => {
    const cases: [Parameters<typeof fetchUris>[0][number], string, number?][] = [
      [{ value: path.join(dir, 'nope.sh') }, 'no such file'],
      [{ value: `${base}/missing.tgz` }, 'HTTP 404'],
      [{ value: 'hdfs://nn/x.jar' }, "unsupported scheme 'hdfs'"],
      [{ value: 'relative/x.sh' }, 'not an absolute path or a URL'],
      [{ value: `${base}/big` }, 'larger than the limit of 1000 bytes', 1000],
      [{ value: `${base}/files/run.sh`, output_file: '../x' }, 'leaves the sandbox'],
    ];
    for (const [uri, why, maxBytes] of cases) {
      const err = await fetchUris([uri], { sandbox, maxBytes }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).uri).toBe(uri.value);
      expect((err as Error).message).toContain(`Failed to fetch '${uri.value}'`);
      expect((err as Error).message).toContain(why);
    }
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('stops at the first failing URI', async () => {
    const src = path.join(dir, 'a.txt');
    fs.writeFileSync(src, 'a');
    const err = await fetchUris([{ value: 'ftp://h/x' }, { value: src }], { sandbox }).catch(
      (e: FetchError) => e,
    );
    expect((err as FetchError).uri).toBe('ftp://h/x');
    expect(fs.existsSync(path.join(sandbox, 'a.txt'))).toBe(false);
  });
});
