/** Small pure helpers the diagnosis panels share (tested directly). */
import type { Conclusion, Verdict, VerdictStatus, VerdictText } from '../../../shared/diagnosis'

/**
 * The badge a dataset's headline wears: the status of the verdict that names its cause (so "nothing is
 * wrong" on trained-on samples below the training loss reads expected, as the report prints it), else
 * what the cause stands for.
 */
export function conclusionStatus(c: Conclusion): VerdictStatus {
  if (c.verdict) return c.verdict.status
  switch (c.cause) {
    case 'none':
      return 'pass'
    case 'generalisation':
      return 'expected'
    case 'inconclusive':
      return 'inconclusive'
    case 'notMeasured':
      return 'notMeasured'
    default:
      return 'fail'
  }
}

/**
 * The deciding figure with its uncertainty and the threshold, as the window prints them beside a
 * verdict: the shared wording, plus the standard error of the compared difference (nats) where the
 * figure's own phrase does not carry it.
 */
export function verdictFigure(
  v: Verdict,
  text: VerdictText,
): { figure: string; uncertainty: string; threshold: string } {
  const f = text.figure(v)
  const uncertainty =
    v.uncertainty !== null && Number.isFinite(v.uncertainty) && !f.figure.includes('±')
      ? v.uncertainty.toFixed(3)
      : ''
  return { figure: f.figure, uncertainty, threshold: f.threshold }
}
