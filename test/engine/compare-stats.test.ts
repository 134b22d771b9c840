/**
 * The token-distribution report (llama.cpp's `--kl-divergence` statistics) on small random logits,
 * against an independent float64 computation written here from llama.cpp's definitions
 * (tools/perplexity/perplexity.cpp): its percentile lambda, its sum/sum² mean_and_uncertainty, the
 * delta-method RMS Δp uncertainty and the binomial same-top uncertainty.
 */
import { describe, expect, it } from 'vitest'
import { DELTA_P_PERCENTILES, KLD_PERCENTILES } from '../../src/shared/compare'
import { TokenStats, spread, tokenDistribution } from '../../src/main/engine/compare'
import { assertClose } from '../helpers/assert-close'

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** llama.cpp's percentile: sorted values, p = fraction·(n - 1), linear between floor(p) and the next. */
function llamaPercentile(values: number[], fraction: number): number {
  const v = [...values].sort((a, b) => a - b)
  if (fraction <= 0) return v[0]!
  if (fraction >= 1) return v[v.length - 1]!
  let p = fraction * (v.length - 1)
  const ip = Math.floor(p)
  p -= ip
  return (1 - p) * v[ip]! + p * v[Math.min(ip + 1, v.length - 1)]!
}

/** llama.cpp's mean_and_uncertainty from running sums (without its n > 10 cut-off). */
function meanAndUncertainty(values: number[]): [number, number] {
  let sum = 0
  let sum2 = 0
  for (const x of values) {
    sum += x
    sum2 += x * x
  }
  const n = values.length
  const f = sum / n
  const df = sum2 / n - f * f
  return [f, df > 0 ? Math.sqrt(df / (n - 1)) : 0]
}

/** Softmax in float64, written plainly (max-shifted, no shared helper). */
function probs(row: number[]): number[] {
  const m = Math.max(...row)
  const e = row.map((x) => Math.exp(x - m))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / z)
}

describe('token distribution statistics', () => {
  const V = 37
  const ROWS = 257
  const rand = rng(14)
  const base: number[][] = []
  const other: number[][] = []
  const targets: number[] = []
  for (let r = 0; r < ROWS; r++) {
    const b = Array.from({ length: V }, () => (rand() - 0.5) * 8)
    base.push(b)
    // Mostly close to the base, sometimes far from it, so KLD has a tail and top-1 sometimes flips.
    const scale = rand() < 0.1 ? 6 : 0.6
    other.push(b.map((x) => x + (rand() - 0.5) * scale))
    targets.push(Math.floor(rand() * V))
  }

  const stats = new TokenStats()
  base.forEach((b, r) => stats.add(b, 0, other[r]!, 0, V, targets[r]!))
  const c = stats.summary('base', 'other', 1)
  const d = c.distribution!

  // The independent computation.
  const klds: number[] = []
  const dps: number[] = []
  let same = 0
  base.forEach((b, r) => {
    const p = probs(b)
    const q = probs(other[r]!)
    klds.push(p.reduce((s, pi, i) => s + (pi > 0 ? pi * Math.log(pi / q[i]!) : 0), 0))
    dps.push(q[targets[r]!]! - p[targets[r]!]!)
    const top = (x: number[]) => x.indexOf(Math.max(...x))
    if (top(b) === top(other[r]!)) same++
  })

  it('KLD: mean ± uncertainty, median, min, max and every printed percentile', () => {
    const [m, u] = meanAndUncertainty(klds)
    assertClose([d.kld.mean, d.kld.uncertainty], [m, u], 1e-12, 1e-10, 'kld mean ± u')
    assertClose(d.kld.median, llamaPercentile(klds, 0.5), 1e-12, 1e-10, 'kld median')
    assertClose([d.kld.min, d.kld.max], [Math.min(...klds), Math.max(...klds)], 1e-12, 1e-10, 'kld min/max')
    expect(d.kld.percentiles.map((p) => p.q)).toEqual([...KLD_PERCENTILES])
    for (const p of d.kld.percentiles)
      assertClose(p.value, llamaPercentile(klds, p.q / 100), 1e-12, 1e-10, `kld ${p.q}%`)
    // The headline fields are the report's.
    expect([c.medianKld, c.maxKld, c.p99Kld]).toEqual([
      d.kld.median,
      d.kld.max,
      d.kld.percentiles.find((p) => p.q === 99)!.value,
    ])
  })

  it('Δp: mean ± uncertainty, median, extremes and percentiles', () => {
    const [m, u] = meanAndUncertainty(dps)
    assertClose([d.deltaP.mean, d.deltaP.uncertainty], [m, u], 1e-12, 1e-9, 'Δp mean ± u')
    assertClose(d.deltaP.median, llamaPercentile(dps, 0.5), 1e-12, 1e-10, 'Δp median')
    assertClose([d.deltaP.min, d.deltaP.max], [Math.min(...dps), Math.max(...dps)], 1e-12, 0, 'Δp min/max')
    expect(d.deltaP.percentiles.map((p) => p.q)).toEqual([...DELTA_P_PERCENTILES])
    for (const p of d.deltaP.percentiles)
      assertClose(p.value, llamaPercentile(dps, p.q / 100), 1e-12, 1e-10, `Δp ${p.q}%`)
  })

  it('RMS Δp and same top-1 with their uncertainties', () => {
    const [ms, msU] = meanAndUncertainty(dps.map((x) => x * x))
    const rms = Math.sqrt(ms)
    assertClose([d.rmsDeltaP.value, d.rmsDeltaP.uncertainty], [rms, (0.5 / rms) * msU], 1e-12, 1e-9, 'RMS Δp')
    const p = same / ROWS
    expect(same).toBeGreaterThan(0)
    expect(same).toBeLessThan(ROWS)
    assertClose(
      [d.sameTop1.value, d.sameTop1.uncertainty],
      [p, Math.sqrt((p * (1 - p)) / (ROWS - 1))],
      1e-15,
      0,
      'same top-1',
    )
  })

  it('an even count has the mean of the two middle values as its median; one value has no uncertainty', () => {
    expect(spread([4, 1, 3, 2], [25]).median).toBe(2.5)
    expect(spread([4, 1, 3, 2], [25]).percentiles).toEqual([{ q: 25, value: 1.75 }])
    const one = tokenDistribution([0.5], [0.25], 1)
    expect(one.kld.uncertainty).toBeNaN()
    expect(one.sameTop1).toEqual({ value: 1, uncertainty: NaN })
    expect(tokenDistribution([], [], 0).kld.median).toBeNaN()
  })
})
