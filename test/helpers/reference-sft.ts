/**
 * The demo's PyTorch SFT reference (resources/demo/reference-sft.json, written by
 * tools/reference_sft.py): the SFT checkpoint on eval_sft.json, per conversation and on average. One
 * typed reader for every test built on it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface RefSftSample {
  index: number
  text: string
  ids: number[]
  tokenTexts: string[]
  sft: {
    loss: number
    tokens: number
    shiftedMaskLoss: number
    tokenLosses: number[]
    maskedPositions: number[]
    offsetSweep: Record<string, number>
  }
  sftAutoregressive: {
    loss: number
    stepLosses: number[]
    generatedIds: number[]
    generatedText: string
    promptLength: number
  }
}

export interface RefSft {
  settings: { predictLength: number; maxSeqLen: number }
  means: { sft: number; sftShiftedMask: number; sftAutoregressive: number }
  samples: RefSftSample[]
}

export const REFERENCE_SFT_PATH = join(__dirname, '../../resources/demo/reference-sft.json')

export function readReferenceSft(path: string = REFERENCE_SFT_PATH): RefSft {
  return JSON.parse(readFileSync(path, 'utf8')) as RefSft
}
