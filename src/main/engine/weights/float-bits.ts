/**
 * Widening of the float formats checkpoints use (fp16, bf16, fp64, integers) to float32, from
 * little-endian bytes. Every target platform of the app is little-endian, but the bytes are read
 * through DataView where alignment is not guaranteed.
 */

/** IEEE 754 binary16 bit patterns to float32 (exact: every fp16 value is representable). */
export function halfBitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length)
  const outBits = new Uint32Array(out.buffer)
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!
    const sign = (h & 0x8000) << 16
    const exp = (h >> 10) & 0x1f
    const mant = h & 0x3ff
    if (exp === 0) {
      // Zero or subnormal: value = mant * 2^-24, exact in float32.
      const value = mant * 2 ** -24
      out[i] = sign ? -value : value
    } else if (exp === 31) {
      outBits[i] = sign | 0x7f800000 | (mant << 13)
    } else {
      outBits[i] = sign | ((exp + 112) << 23) | (mant << 13)
    }
  }
  return out
}

/** bfloat16 bit patterns to float32: bf16 is the upper half of a float32. */
export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length)
  const outBits = new Uint32Array(out.buffer)
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16
  return out
}

/** Element types a checkpoint or initializer can hold, as the engine names them. */
export type ElementType =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool'

/** Bytes per element of each type. */
export const ELEMENT_BYTES: Record<ElementType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
}

/**
 * Unit roundoff of each type (half an ulp, relative): the largest relative error of one
 * round-to-nearest conversion into that type. Integers convert exactly within their range.
 */
export const UNIT_ROUNDOFF: Record<ElementType, number> = {
  float32: 2 ** -24,
  float16: 2 ** -11,
  bfloat16: 2 ** -8,
  float64: 2 ** -53,
  int64: 0,
  int32: 0,
  int16: 0,
  int8: 0,
  uint8: 0,
  bool: 0,
}

/** True for the types a weight is stored in (integers are indices and shapes, not weights). */
export function isFloatType(type: ElementType): boolean {
  return type === 'float32' || type === 'float16' || type === 'bfloat16' || type === 'float64'
}

/** Decodes `count` little-endian elements of `type` starting at `bytes[0]` into float32. */
export function bytesToFloat32(bytes: Uint8Array, type: ElementType, count: number): Float32Array {
  const need = count * ELEMENT_BYTES[type]
  if (bytes.length < need) throw new RangeError(`expected ${need} bytes of ${type}, got ${bytes.length}`)
  // Copy into a fresh, aligned buffer so typed-array views are always legal.
  const aligned = new Uint8Array(need)
  aligned.set(bytes.subarray(0, need))
  const buf = aligned.buffer
  switch (type) {
    case 'float32':
      return new Float32Array(buf)
    case 'float16':
      return halfBitsToFloat32(new Uint16Array(buf))
    case 'bfloat16':
      return bfloat16BitsToFloat32(new Uint16Array(buf))
    case 'float64':
      return Float32Array.from(new Float64Array(buf))
    case 'int64':
      return Float32Array.from(new BigInt64Array(buf), (v) => Number(v))
    case 'int32':
      return Float32Array.from(new Int32Array(buf))
    case 'int16':
      return Float32Array.from(new Int16Array(buf))
    case 'int8':
      return Float32Array.from(new Int8Array(buf))
    case 'uint8':
    case 'bool':
      return Float32Array.from(aligned)
  }
}

/** Product of a shape's dimensions (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}
