/**
 * The one set of bounds on run settings, used by the request schemas (the window and the bridge) and
 * by the CLI's flags, so neither accepts what the other refuses.
 */
export const SETTING_LIMITS = {
  inputLength: { min: 1, max: 1_000_000 },
  predictLength: { min: 1, max: 1_000_000 },
  batchSize: { min: 1, max: 4096 },
  threads: { min: 0, max: 1024 },
  limit: { min: 1, max: 1_000_000_000 },
  maxSeqLen: { min: 2, max: 1_000_000 },
} as const

export type LimitedSetting = keyof typeof SETTING_LIMITS

/** MiniMind's pretraining max_length default (trainer/train_pretrain.py, 2025 and 2026): a run's maxSeqLen when unset. */
export const DEFAULT_MAX_SEQ_LEN = 512
