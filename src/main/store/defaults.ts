/** What a new experiment starts with. */
import { DEFAULT_MEASURES } from '../../shared/measures'
import { DEFAULT_MAX_SEQ_LEN } from '../../shared/limits'
import type { RunSettings } from '../../shared/results'

/**
 * The seed's split (64 context tokens, 30 predicted) with every pretraining measure on, the BOS
 * convention left to the run ('auto': scored both ways when the tokenizer has a BOS) and MiniMind's
 * pretraining max_seq_len.
 */
export const DEFAULT_RUN_SETTINGS: RunSettings = {
  inputLength: 64,
  predictLength: 30,
  measures: [...DEFAULT_MEASURES],
  batchSize: 1,
  threads: 0,
  bos: 'auto',
  maxSeqLen: DEFAULT_MAX_SEQ_LEN,
  provider: 'auto',
}
