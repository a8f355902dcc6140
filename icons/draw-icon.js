// Draws icon.png (64x64): a bot bubble handing over to an agent bubble. Run `node icons/draw-icon.js` to redraw.
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const S = 64;
const px = Buffer.alloc(S * S * 4);
const set = (x, y, [r, g, b, a]) => {
  const i = (y * S + x) * 4;
  const alpha = a / 255;
  px[i] = Math.round(r * alpha + px[i] * (1 - alpha));
  px[i + 1] = Math.round(g * alpha + px[i + 1] * (1 - alpha));
  px[i + 2] = Math.round(b * alpha + px[i + 2] * (1 - alpha));
  px[i + 3] = Math.max(px[i + 3], a);
};
const roundRect = (x0, y0, x1, y1, r, color) => {
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const dx = Math.max(x0 + r - x - 0.5, 0, x + 0.5 - (x1 - r));
      const dy = Math.max(y0 + r - y - 0.5, 0, y + 0.5 - (y1 - r));
      if (dx * dx + dy * dy <= r * r) set(x, y, color);
    }
};
const tri = (pts, color) => {
  const [[ax, ay], [bx, by], [cx, cy]] = pts;
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const s1 = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
      const s2 = (cx - bx) * (y - by) - (cy - by) * (x - bx);
      const s3 = (ax - cx) * (y - cy) - (ay - cy) * (x - cx);
      if ((s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0)) set(x, y, color);
    }
};
const navy = [20, 40, 90, 255];
const white = [255, 255, 255, 255];
const teal = [60, 200, 190, 255];
roundRect(0, 0, 64, 64, 12, navy);
roundRect(8, 10, 40, 32, 6, white); // bot bubble
tri(
  [
    [14, 31],
    [22, 31],
    [12, 39],
  ],
  white,
);
roundRect(24, 34, 56, 54, 6, teal); // agent bubble
tri(
  [
    [50, 53],
    [42, 53],
    [53, 60],
  ],
  teal,
);
for (const cx of [17, 24, 31]) roundRect(cx - 2, 19, cx + 2, 23, 2, navy);

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const raw = Buffer.concat(
  Array.from({ length: S }, (_, y) => Buffer.concat([Buffer.from([0]), px.subarray(y * S * 4, (y + 1) * S * 4)])),
);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", ihdr),
  chunk("IDAT", zlib.deflateSync(raw, { level: 9 })),
  chunk("IEND", Buffer.alloc(0)),
]);
fs.writeFileSync(path.join(__dirname, "icon.png"), png);
