/** Small pure helpers the diagnosis panels share (tested directly). */
import type { Conclusion, Verdict, VerdictStatus, VerdictText } from '../../../shared/diagnosis'
import { fmtPm } from '../../../shared/diagnosis'

/** The badge a dataset's headline wears: the status its cause stands for. */
export function conclusionStatus(c: Conclusion): VerdictStatus {
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
 * verdict: the shared wording, plus "± s.e." where the figure's own phrase does not carry it.
 */
export function verdictFigure(
  v: Verdict,
  text: VerdictText,
): { figure: string; uncertainty: string; threshold: string } {
  const f = text.figure(v)
  const uncertainty = v.uncertainty !== null && !f.figure.includes('±') ? fmtPm(v.uncertainty).trim() : ''
  return { figure: f.figure, uncertainty, threshold: f.threshold }
}
