import { describe, expect, it } from 'vitest'
import type { EChartsOption } from 'echarts'
import { cancelTask, queueTask, waitingTasks } from '../../src/renderer/src/lib/task-queue'
import { optionShape } from '../../src/renderer/src/charts/option-shape'

const idle = (ms = 40) => new Promise((r) => setTimeout(r, ms))

describe('the task queue (one piece of heavy work per task)', () => {
  it('runs each owner once, in order, each in a task of its own', async () => {
    const log: string[] = []
    const a = {}
    const b = {}
    const c = {}
    queueTask(a, 'a', () => void log.push('a1'))
    queueTask(b, 'b', () => {
      log.push('b')
      // A microtask runs before the next piece (same task); a timer set now runs after it only if
      // the pieces are separate tasks with the timer queued between them.
      void Promise.resolve().then(() => log.push('b:micro'))
    })
    queueTask(c, 'c', () => void log.push('c'))
    // A newer request of `a` replaces its waiting one and keeps its place.
    queueTask(a, 'a', () => void log.push('a2'))
    expect(waitingTasks()).toBe(3)
    expect(log).toEqual([]) // nothing runs in the asking task
    await idle()
    expect(log).toEqual(['a2', 'b', 'b:micro', 'c'])
    expect(waitingTasks()).toBe(0)
  })

  it('lets other tasks run between two pieces', async () => {
    const log: string[] = []
    queueTask({}, 'first', () => {
      log.push('first')
      setTimeout(() => log.push('timer set by first'), 0)
    })
    queueTask({}, 'second', () => void log.push('second'))
    await idle()
    expect(log).toEqual(['first', 'timer set by first', 'second'])
  })

  it('forgets a cancelled owner, and goes on after a piece that throws', async () => {
    const log: string[] = []
    const gone = {}
    queueTask(gone, 'gone', () => void log.push('gone'))
    cancelTask(gone)
    const errors: unknown[][] = []
    const original = console.error
    console.error = (...args: unknown[]) => void errors.push(args)
    queueTask({}, 'throws', () => {
      throw new Error('boom')
    })
    queueTask({}, 'after', () => void log.push('after'))
    await idle()
    console.error = original
    expect(log).toEqual(['after'])
    expect(errors).toHaveLength(1)
    expect(String(errors[0]![0])).toContain('throws failed')
  })
})

describe('optionShape (merge or replace the series on screen)', () => {
  const option = (data: number[], extra: Partial<EChartsOption> = {}): EChartsOption => ({
    yAxis: { type: 'value', name: 'loss' },
    series: [
      { type: 'line', name: 'TF', data },
      { type: 'bar', name: 'AR', data },
    ],
    ...extra,
  })
  it('is the same when only values change (a merge updates them in place)', () => {
    expect(optionShape(option([1, 2]))).toBe(optionShape(option([1, 2, 3, 4])))
  })
  it('changes with a series added, renamed or retyped, a zoom, or a log axis', () => {
    const base = optionShape(option([1]))
    const more = option([1])
    ;(more.series as object[]).push({ type: 'line', name: 'mid', data: [1] })
    expect(optionShape(more)).not.toBe(base)
    expect(optionShape({ ...option([1]), series: [{ type: 'line', name: 'SFT', data: [1] }] })).not.toBe(base)
    expect(optionShape(option([1], { dataZoom: [{ type: 'slider' }] }))).not.toBe(base)
    expect(optionShape(option([1], { yAxis: { type: 'log', name: 'loss' } }))).not.toBe(base)
  })
})
