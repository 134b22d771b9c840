/**
 * assertClose(actual, expected, atol, rtol): |a - e| <= atol + rtol·|e| element-wise, NaN equal only to
 * NaN (never silently close to a number), as onnxruntime's js/node/test/test-utils.ts does.
 */
import { expect } from 'vitest'

type Numeric = number | ArrayLike<number>

function describe(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v)
}

/** Largest |actual - expected| over the elements (NaN when exactly one side is NaN). */
export function maxAbsDiff(actual: Numeric, expected: Numeric): number {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual)
  const e = typeof expected === 'number' ? [expected] : Array.from(expected)
  let m = 0
  for (let i = 0; i < Math.min(a.length, e.length); i++) {
    if (Number.isNaN(a[i]!) !== Number.isNaN(e[i]!)) return NaN
    if (!Number.isNaN(a[i]!)) m = Math.max(m, Math.abs(a[i]! - e[i]!))
  }
  return m
}

export function assertClose(actual: Numeric, expected: Numeric, atol = 1e-6, rtol = 0, what = 'value'): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual)
  const e = typeof expected === 'number' ? [expected] : Array.from(expected)
  if (a.length !== e.length) {
    expect.fail(`${what}: length ${a.length} differs from expected ${e.length}`)
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = e[i]!
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y)))
        expect.fail(`${what}[${i}]: ${describe(x)} vs expected ${describe(y)}`)
      continue
    }
    if (x === y) continue // equal infinities
    const tol = atol + rtol * Math.abs(y)
    if (!(Math.abs(x - y) <= tol)) {
      expect.fail(`${what}[${i}]: ${x} vs expected ${y} (|diff| ${Math.abs(x - y)} > ${tol})`)
    }
  }
}
