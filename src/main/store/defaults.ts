/** What a new experiment starts with. */
import { MEASURES } from '../../shared/measures'
import type { RunSettings } from '../../shared/results'

/** The seed's split (64 context tokens, 30 predicted) with every measure on. */
export const DEFAULT_RUN_SETTINGS: RunSettings = {
  inputLength: 64,
  predictLength: 30,
  measures: [...MEASURES],
  batchSize: 1,
  threads: 0,
  addBos: false,
  provider: 'auto',
}
