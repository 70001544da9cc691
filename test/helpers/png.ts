/**
 * Just enough PNG decoding to tell a screenshot with content from a blank one, with no image
 * library: chunks → inflate the IDAT stream → undo the per-row filters → pixel statistics.
 * Handles what Chromium writes: 8-bit grey, grey+alpha, RGB or RGBA, not interlaced.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** Bytes per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  readonly channels: number;
  /** Unfiltered rows, width × channels bytes each, top to bottom. */
  readonly pixels: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  // Written without Math.abs: jest runs tests in a VM context where such calls are much slower.
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Uint8Array): DecodedPng {
  const buf = Buffer.from(png);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let offset = 8; offset < buf.length; ) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [bitDepth, colorType, , , interlace] = data.subarray(8, 13);
      channels = CHANNELS[colorType] ?? 0;
      if (bitDepth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  // Plain typed-array loops, one per filter type: per-byte dispatch is slow under jest's VM.
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    if (filter === 0) {
      pixels.set(raw.subarray(src, src + stride), dst);
    } else if (filter === 1) {
      for (let x = 0; x < stride; x++) pixels[dst + x] = raw[src + x] + (x >= channels ? pixels[dst + x - channels] : 0);
    } else if (filter === 2) {
      for (let x = 0; x < stride; x++) pixels[dst + x] = raw[src + x] + (y > 0 ? pixels[up + x] : 0);
    } else if (filter === 3) {
      for (let x = 0; x < stride; x++) {
        const a = x >= channels ? pixels[dst + x - channels] : 0;
        const b = y > 0 ? pixels[up + x] : 0;
        pixels[dst + x] = raw[src + x] + ((a + b) >> 1);
      }
    } else if (filter === 4) {
      for (let x = 0; x < stride; x++) {
        const a = x >= channels ? pixels[dst + x - channels] : 0;
        const b = y > 0 ? pixels[up + x] : 0;
        const c = y > 0 && x >= channels ? pixels[up + x - channels] : 0;
        pixels[dst + x] = raw[src + x] + paeth(a, b, c);
      }
    } else {
      throw new Error(`bad PNG filter ${filter} in row ${y}`);
    }
  }
  return { width, height, channels, pixels };
}

export interface ImageStats {
  /** Standard deviation of luminance, 0–255: 0 for a single-colour image. */
  readonly lumaStdDev: number;
  /** Share of pixels that differ clearly from the most common colour (the background). */
  readonly nonBackgroundShare: number;
  /** Distinct colours among a sample of pixels. */
  readonly distinctColours: number;
}

export function imageStats(image: DecodedPng): ImageStats {
  const { width, height, channels, pixels } = image;
  const count = width * height;
  const g = channels >= 3 ? 1 : 0;
  const b = channels >= 3 ? 2 : 0;
  // Every 4th pixel is plenty for statistics of a whole screen.
  const STEP = 4;
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  const histogram = new Map<number, number>();
  for (let i = 0; i < count; i += STEP) {
    const p = i * channels;
    const key = (pixels[p] << 16) | (pixels[p + g] << 8) | pixels[p + b];
    const luma = 0.299 * pixels[p] + 0.587 * pixels[p + g] + 0.114 * pixels[p + b];
    sum += luma;
    sumSq += luma * luma;
    n++;
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
  }
  let background = 0;
  let most = -1;
  for (const [key, hits] of histogram) {
    if (hits > most) {
      most = hits;
      background = key;
    }
  }
  const [br, bg, bb] = [(background >> 16) & 255, (background >> 8) & 255, background & 255];
  let different = 0;
  for (const [key, hits] of histogram) {
    const distance = Math.abs(((key >> 16) & 255) - br) + Math.abs(((key >> 8) & 255) - bg) + Math.abs((key & 255) - bb);
    if (distance > 48) different += hits;
  }
  const mean = sum / n;
  return { lumaStdDev: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), nonBackgroundShare: different / n, distinctColours: histogram.size };
}

/**
 * A w×h RGB PNG of noise, stored uncompressed, so it is large (w·h·3 bytes) and takes real time to
 * transfer and decode: a test image that cannot arrive "instantly".
 */
export function noisePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let i = 0; i < raw.length; i++) raw[i] = i % stride === 0 ? 0 : (Math.imul(i, 2654435761) >>> 24) & 0xff;
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 0 })), chunk('IEND', Buffer.alloc(0))]);
}
