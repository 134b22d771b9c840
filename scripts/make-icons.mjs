// Draws LossLens' application icon (a lens over a falling loss curve, on a dark rounded square) and
// writes build/icon.png (1024 px), build/icon.ico (256 px PNG inside) and build/icon.icns (256 and
// 1024 px PNGs inside), the files electron-builder looks for in build/. No dependencies: pixels are
// computed here and encoded with node:zlib. Run: node scripts/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The icon's RGBA pixels at `size` px (4 x 4 supersampled; shapes in unit-square coordinates). */
function draw(size) {
  const out = Buffer.alloc(size * size * 4)
  const S = 4 // supersampling per axis
  const bg = [0x1f, 0x29, 0x37]
  const curve = [0x60, 0xa5, 0xfa]
  const ring = [0xf5, 0x9e, 0x0b]
  const lossAt = (u) => 0.28 + 0.5 * Math.exp(-4.2 * (u - 0.14)) * 0.62
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (px + (sx + 0.5) / S) / size
          const y = (py + (sy + 0.5) / S) / size
          // rounded square, corner radius 0.2, margin 0.04
          const m = 0.04
          const rad = 0.2
          const dx = Math.max(m + rad - x, 0, x - (1 - m - rad))
          const dy = Math.max(m + rad - y, 0, y - (1 - m - rad))
          if (Math.hypot(dx, dy) > rad) continue
          let c = bg
          // falling loss curve from the left edge to the lens
          if (x > 0.14 && x < 0.86 && Math.abs(y - (1 - lossAt(x))) < 0.028) c = curve
          // lens ring centred on the curve's knee, and its handle
          const d = Math.hypot(x - 0.58, y - 0.6)
          if (Math.abs(d - 0.17) < 0.035) c = ring
          const hx = x - 0.58
          const hy = y - 0.6
          const along = (hx + hy) / Math.SQRT2
          const across = (hx - hy) / Math.SQRT2
          if (along > 0.2 && along < 0.36 && Math.abs(across) < 0.04) c = ring
          r += c[0]
          g += c[1]
          b += c[2]
          a += 255
        }
      }
      const n = S * S
      const i = (py * size + px) * 4
      const cov = a / 255
      out[i] = cov ? Math.round(r / cov) : 0
      out[i + 1] = cov ? Math.round(g / cov) : 0
      out[i + 2] = cov ? Math.round(b / cov) : 0
      out[i + 3] = Math.round(a / n)
    }
  }
  return out
}

function ico(png256) {
  const header = Buffer.alloc(6 + 16)
  header.writeUInt16LE(0, 0) // reserved
  header.writeUInt16LE(1, 2) // icon
  header.writeUInt16LE(1, 4) // one image
  header[6] = 0 // width 256
  header[7] = 0 // height 256
  header.writeUInt16LE(1, 10) // planes
  header.writeUInt16LE(32, 12) // bits per pixel
  header.writeUInt32LE(png256.length, 14)
  header.writeUInt32LE(22, 18) // offset of the image
  return Buffer.concat([header, png256])
}

function icns(entries) {
  const parts = entries.map(([type, data]) => {
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(data.length + 8, 4)
    return Buffer.concat([head, data])
  })
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4)
  return Buffer.concat([head, ...parts])
}

const dir = new URL('../build/', import.meta.url)
mkdirSync(dir, { recursive: true })
const big = png(1024, draw(1024))
const small = png(256, draw(256))
writeFileSync(new URL('icon.png', dir), big)
writeFileSync(new URL('icon.ico', dir), ico(small))
writeFileSync(
  new URL('icon.icns', dir),
  icns([
    ['ic08', small],
    ['ic10', big],
  ]),
)
console.log('wrote build/icon.png, build/icon.ico, build/icon.icns')
