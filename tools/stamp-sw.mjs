// Trunk post_build hook (Trunk.toml): fills in BUILD and SHELL of the service worker that
// index.html copied into the build (static/sw.js → sw.js).
//
//   SHELL — every file of the build except sw.js itself, as URLs relative to sw.js, with
//           index.html as './' (the page is requested as the directory);
//   BUILD — the first 16 hex digits of a SHA-256 over those names and contents and the
//           unstamped sw.js.
//
// The list is read from the build rather than from index.html because the sql.js files (copied,
// not linked) and any wasm-bindgen snippets appear nowhere in the page. Hashing the contents
// means a new deployment always ships a different sw.js, which is how browsers notice it.
//
// Trunk runs this with TRUNK_STAGING_DIR set; `node tools/stamp-sw.mjs DIR` stamps DIR instead.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('stamp-sw: no directory (TRUNK_STAGING_DIR is unset and no argument was given)');
  process.exit(2);
}

/** Every file under `root`, as sorted '/'-separated paths relative to it. */
function files(root, sub = '') {
  return readdirSync(path.join(root, sub), { withFileTypes: true })
    .flatMap((e) => {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      return e.isDirectory() ? files(root, rel) : e.isFile() ? [rel] : [];
    })
    .sort();
}

const swFile = path.join(dir, 'sw.js');
const template = readFileSync(swFile, 'utf8');
const BUILD_MARK = "'__FLAGDECK_BUILD__'";
const SHELL_MARK = "['__FLAGDECK_SHELL__']";
for (const mark of [BUILD_MARK, SHELL_MARK]) {
  if (template.split(mark).length !== 2) {
    console.error(`stamp-sw: ${swFile} must contain ${mark} exactly once (is it already stamped?)`);
    process.exit(1);
  }
}

const shipped = files(dir).filter((f) => f !== 'sw.js');
if (!shipped.includes('index.html')) {
  console.error(`stamp-sw: ${dir} has no index.html`);
  process.exit(1);
}
// sw.js itself (unstamped) counts too: a change to the worker's logic alone must also give a new
// cache name, since a failed install deletes the cache of its own BUILD.
const hash = createHash('sha256').update('sw.js\0').update(template).update('\0');
for (const f of shipped) {
  hash.update(f).update('\0').update(readFileSync(path.join(dir, f))).update('\0');
}
const build = hash.digest('hex').slice(0, 16);
// Each path segment encoded: a name with a space or '#' must still be a URL (Trunk's own names
// never have one).
const url = (f) => f.split('/').map(encodeURIComponent).join('/');
const shell = shipped.map((f) => (f === 'index.html' ? './' : url(f)));

writeFileSync(
  swFile,
  template.replace(BUILD_MARK, JSON.stringify(build)).replace(SHELL_MARK, JSON.stringify(shell)),
);
console.log(`stamp-sw: sw.js caches build ${build}: ${shell.length} files`);
