import { describe, expect, it } from 'vitest'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseTrainLog, readTrainLog, splitCsvLine } from '../../src/main/engine/evidence/train-log'

describe('parseTrainLog: MiniMind log lines', () => {
  it('reads the 2025 format, makes steps global across epochs and keeps unparsed lines', () => {
    const log = [
      'LLM总参数量：25.830 百万',
      'Epoch:[1/2](100/300) loss:3.512 lr:0.000549000000 epoch_Time:85.0min:',
      'Epoch:[1/2](200/300) loss:3.100 lr:0.000500000000 epoch_Time:80.0min:',
      '',
      'Warning: something else',
      'Epoch:[2/2](100/300) loss:2.900 lr:0.000400000000 epoch_Time:70.0min:',
      '   ',
    ].join('\n')
    const parsed = parseTrainLog(log, 'train.log', { tail: 2 })
    expect(parsed.format).toBe('minimind-2025')
    expect(parsed.points).toEqual([
      { step: 100, epoch: 1, loss: 3.512, lr: 0.000549 },
      { step: 200, epoch: 1, loss: 3.1, lr: 0.0005 },
      { step: 400, epoch: 2, loss: 2.9, lr: 0.0004 }, // (2 - 1) * 300 + 100
    ])
    expect(parsed.steps).toBe(3)
    expect(parsed.trailingMean).toBeCloseTo(3.0, 12) // (3.1 + 2.9) / 2
    expect(parsed.unparsedLines).toEqual([
      { line: 1, text: 'LLM总参数量：25.830 百万' },
      { line: 5, text: 'Warning: something else' },
    ])
    expect(parsed.unparsedCount).toBe(2)
    expect(parsed.caveat).toMatch(/one micro-batch/)
  })

  it('tells the late-2025 format by its six decimals', () => {
    const parsed = parseTrainLog(
      'Epoch:[1/1](100/44160) loss:3.512345 lr:0.000549000000 epoch_Time:85.0min:\n',
      'train.log',
    )
    expect(parsed.format).toBe('minimind-2025-late')
    expect(parsed.points[0]).toEqual({ step: 100, epoch: 1, loss: 3.512345, lr: 0.000549 })
  })

  it('reads the 2026 format: loss is the loss; logits_loss and aux_loss are kept beside it', () => {
    const parsed = parseTrainLog(
      [
        'Epoch:[1/2](100/500), loss: 2.1234, logits_loss: 2.0234, aux_loss: 0.1000, lr: 0.00049000, epoch_time: 12.0min',
        'Epoch:[2/2](500/500), loss: 1.5000, logits_loss: 1.5000, aux_loss: 0.0000, lr: 0.00001000, epoch_time: 0.0min',
      ].join('\n'),
      'train.log',
    )
    expect(parsed.format).toBe('minimind-2026')
    expect(parsed.points).toEqual([
      { step: 100, epoch: 1, loss: 2.1234, lr: 0.00049, logitsLoss: 2.0234, auxLoss: 0.1 },
      { step: 1000, epoch: 2, loss: 1.5, lr: 0.00001, logitsLoss: 1.5, auxLoss: 0 },
    ])
    expect(parsed.trailingMean).toBeCloseTo((2.1234 + 1.5) / 2, 12)
  })

  it('counts a NaN loss as unparsed rather than plotting it', () => {
    const parsed = parseTrainLog('Epoch:[1/1](1/10) loss:nan lr:0.1 epoch_Time:1.0min:\n', 'train.log')
    expect(parsed.steps).toBe(0)
    expect(parsed.trailingMean).toBeNull()
    expect(parsed.unparsedLines).toHaveLength(1)
  })
})

describe('parseTrainLog: CSV and JSONL exports', () => {
  it('reads a CSV with step, loss and learning_rate columns', () => {
    const csv = 'step,epoch,loss,learning_rate\n10,0.1,3.5,1e-4\n20,0.2,,1e-4\n30,0.3,3.0,9e-5\n'
    const parsed = parseTrainLog(csv, 'log.csv')
    expect(parsed.format).toBe('csv')
    expect(parsed.points).toEqual([
      { step: 10, epoch: 0.1, loss: 3.5, lr: 1e-4 },
      { step: 30, epoch: 0.3, loss: 3.0, lr: 9e-5 },
    ])
    expect(parsed.unparsedLines).toEqual([{ line: 3, text: '20,0.2,,1e-4' }])
  })

  it("finds wandb's exported '<run> - loss' column, not its __MIN/__MAX companions", () => {
    const csv = '"Step","run-7 - loss__MIN","run-7 - loss","run-7 - loss__MAX"\n1,9,3.25,9\n2,9,3.0,9\n'
    const parsed = parseTrainLog(csv, 'export.txt')
    expect(parsed.format).toBe('csv')
    expect(parsed.points.map((p) => [p.step, p.loss])).toEqual([
      [1, 3.25],
      [2, 3.0],
    ])
  })

  it('reads JSONL with train/loss and _step (swanlab / wandb style)', () => {
    const text = [
      '{"_step": 5, "train/loss": 4.0, "lr": 0.001}',
      '{"_step": 6, "eval/loss": 3.9}',
      'garbage',
      '{"_step": 10, "train/loss": 3.0, "learning_rate": 0.0009, "epoch": 1}',
    ].join('\n')
    const parsed = parseTrainLog(text, 'metrics.jsonl', { tail: 10 })
    expect(parsed.format).toBe('jsonl')
    expect(parsed.points).toEqual([
      { step: 5, epoch: null, loss: 4.0, lr: 0.001 },
      { step: 10, epoch: 1, loss: 3.0, lr: 0.0009 },
    ])
    expect(parsed.unparsedLines.map((u) => u.line)).toEqual([2, 3])
    expect(parsed.trailingMean).toBe(3.5)
  })

  it('splits quoted CSV cells', () => {
    expect(splitCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', ''])
  })
})

describe('readTrainLog', () => {
  it('refuses a file with no loss at all, and one that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losslens-log-'))
    const file = join(dir, 'train.log')
    await writeFile(file, 'hello\nworld\n')
    await expect(readTrainLog(file)).rejects.toThrow(/train\.log: no loss values found \(2 non-blank lines/)
    await expect(readTrainLog(join(dir, 'none.log'))).rejects.toThrow(/none\.log: file not found/)
    const csv = join(dir, 'x.csv')
    await writeFile(csv, 'a,b\n1,2\n')
    await expect(readTrainLog(csv)).rejects.toThrow(/CSV has no loss column \(columns: a, b\)/)
  })
})
