// A small static server for the end-to-end tests and the benchmark: 127.0.0.1, random port.
//
//   startServer({ dist, mounts, cors, port })
//     /            → files of `dist` (the trunk build); a directory means its index.html
//     /<prefix>/*  → files of `mounts[prefix]`, e.g. { fixtures: '../shared/fixtures' } serves
//                    /fixtures/acolytes-v1-small.db. With `cors: true` (default) these responses
//                    carry `Access-Control-Allow-Origin: *`; with `cors: false` they carry no
//                    CORS header at all, so a page on another origin cannot read them.
//
// Run directly (`node tests/e2e/server.mjs [port]`) it serves dist/ and ../shared/fixtures.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.db': 'application/vnd.sqlite3',
};

/** Resolves `urlPath` inside `root`, or null when it would leave it. */
function inside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  const rootResolved = path.resolve(root);
  return full === rootResolved || full.startsWith(rootResolved + path.sep) ? full : null;
}

async function sendFile(req, res, file, extraHeaders) {
  let info;
  try {
    info = await stat(file);
    if (info.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file);
    }
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain', ...extraHeaders });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

/**
 * Starts a server. Returns { url, port, requests, close() }; `requests` lists every
 * "METHOD path" served, for tests that want to know what the page fetched.
 */
export async function startServer({ dist = null, mounts = {}, cors = true, port = 0 } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain' });
      res.end('only GET and HEAD\n');
      return;
    }
    const prefix = Object.keys(mounts).find((m) => url.pathname.startsWith(`/${m}/`));
    if (prefix !== undefined) {
      const headers = cors ? { 'Access-Control-Allow-Origin': '*' } : {};
      const file = inside(mounts[prefix], url.pathname.slice(prefix.length + 2));
      if (!file) {
        res.writeHead(404, { 'Content-Type': 'text/plain', ...headers });
        res.end('not found\n');
        return;
      }
      sendFile(req, res, file, headers);
      return;
    }
    const file = dist && inside(dist, url.pathname);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    sendFile(req, res, file, {});
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const repo = path.resolve(here, '..', '..');
  const srv = await startServer({
    dist: path.join(repo, 'dist'),
    mounts: { fixtures: path.resolve(repo, '..', 'shared', 'fixtures') },
    port: Number(process.argv[2] ?? 0),
  });
  console.log(`serving dist/ at ${srv.url}/ and ../shared/fixtures at ${srv.url}/fixtures/`);
}
