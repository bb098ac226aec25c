// Writes the app icons (static/icon.svg, static/icon-192.png, static/icon-512.png) from one
// geometry, so the vector and the bitmaps are the same picture: the favicon's flag in white on
// the accent colour of style/main.css; and the favicon itself (static/icon-32.png): the flag
// in the accent colour on a transparent square. The files are committed; run this again only to change
// them: `node tools/gen-icons.mjs`.
//
// The background fills the whole square and the flag stays inside the central circle of 40 %
// radius, so the PNGs also serve as "maskable" icons (Android crops them to any shape) and as
// the apple-touch-icon (iOS wants an opaque square). No dependency: a tiny rasteriser (4×4
// supersampling) and a PNG writer on node:zlib.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ACCENT = [0x5e, 0x5c, 0xe6]; // --accent
const WHITE = [0xff, 0xff, 0xff];
const VIEW = 24;
// The favicon's flag (a 16-unit pole and pennant), moved so its box is centred in the 24-unit
// square; its farthest corner is 8.9 units from the centre, inside the 9.6-unit safe circle.
const POLE = { x: 6.5, y: 5, w: 2, h: 14 };
const FLAG = [
  [8.5, 6],
  [17.5, 6],
  [15.5, 9],
  [17.5, 12],
  [8.5, 12],
];

const hex = (c) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

function svg() {
  const points = FLAG.map(([x, y]) => `${x},${y}`).join(' ');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${VIEW} ${VIEW}">` +
    `<rect width="${VIEW}" height="${VIEW}" fill="${hex(ACCENT)}"/>` +
    `<rect x="${POLE.x}" y="${POLE.y}" width="${POLE.w}" height="${POLE.h}" fill="${hex(WHITE)}"/>` +
    `<polygon points="${points}" fill="${hex(WHITE)}"/>` +
    `</svg>\n`
  );
}

/** Even-odd point-in-polygon. */
function inPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const inFlag = (x, y) =>
  (x >= POLE.x && x < POLE.x + POLE.w && y >= POLE.y && y < POLE.y + POLE.h) || inPolygon(x, y, FLAG);

/**
 * The flag's coverage of pixel (`px`, `py`) of a `size`×`size` rendering of a `box`-unit
 * square whose origin is at (`dx`, `dy`) of the icon's geometry: 0 to 1, from 4×4 samples.
 */
function coverage(px, py, size, box, [dx, dy] = [0, 0]) {
  const SS = 4;
  let hits = 0;
  for (let sy = 0; sy < SS; sy++) {
    for (let sx = 0; sx < SS; sx++) {
      const x = ((px + (sx + 0.5) / SS) * box) / size;
      const y = ((py + (sy + 0.5) / SS) * box) / size;
      if (inFlag(x + dx, y + dy)) hits++;
    }
  }
  return hits / (SS * SS);
}

/**
 * Rows of a `size`×`size` image, each prefixed by PNG filter type 0, with `channels` bytes a
 * pixel from `pixel(px, py)`.
 */
function rowsOf(size, channels, pixel) {
  const rows = Buffer.alloc(size * (1 + channels * size));
  for (let py = 0; py < size; py++) {
    const row = py * (1 + channels * size);
    for (let px = 0; px < size; px++) rows.set(pixel(px, py), row + 1 + channels * px);
  }
  return rows;
}

/**
 * RGBA rows of the favicon at `size`×`size` pixels: the flag of its 16-unit box (the icon's
 * geometry moved back by its centring offset) in the accent colour, its coverage as alpha. A
 * bitmap, not an SVG: Chromium fetches and decodes the page's icon again at every change of
 * the address fragment, and an SVG is decoded in a document of its own on the page's thread.
 */
function faviconRaster(size) {
  const origin = [POLE.x - 2, POLE.y - 1];
  return rowsOf(size, 4, (px, py) => [...ACCENT, Math.round(255 * coverage(px, py, size, 16, origin))]);
}

/** RGB rows of a `size`×`size` rendering (white flag on the accent colour). */
function raster(size) {
  return rowsOf(size, 3, (px, py) => {
    const a = coverage(px, py, size, VIEW);
    return ACCENT.map((v, c) => Math.round(v * (1 - a) + WHITE[c] * a));
  });
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG of `size`×`size` pixels from `rows` (`colourType` 2: RGB, 6: RGBA). */
function png(size, rows = raster(size), colourType = 2) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bits per channel
  ihdr[9] = colourType;
  // bytes 10-12: deflate, adaptive filtering, no interlace (all 0)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'static');
writeFileSync(path.join(out, 'icon.svg'), svg());
for (const size of [192, 512]) {
  const bytes = png(size);
  writeFileSync(path.join(out, `icon-${size}.png`), bytes);
  console.log(`icon-${size}.png: ${bytes.length} bytes`);
}
const favicon = png(32, faviconRaster(32), 6);
writeFileSync(path.join(out, 'icon-32.png'), favicon);
console.log(`icon-32.png: ${favicon.length} bytes`);
