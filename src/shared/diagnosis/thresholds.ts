/**
 * Every threshold a verdict uses, in one place, each with the reason for its value.
 * The report prints the threshold next to the figure it decided, so a reader can disagree with it.
 */
export const THRESHOLDS = {
  /**
   * data: fraction of evaluation samples that must be found in the training data (exactly, after
   * whitespace normalisation, or as a substring of a training row) for "drawn from training" to pass.
   * All of them: with 20 samples one held-out sample already moves the mean by a twentieth of its own
   * gap, and the point of the check is that the comparison with training loss is like for like.
   */
  dataFoundFraction: 1,

  /**
   * weights: fraction of the checkpoint's unique tensors that must match an ONNX initializer within the
   * weight report's own tolerance. All of them: one stale or missing tensor is a different model.
   */
  weightsMatchedFraction: 1,

  /**
   * train/infer mode: a step of the autoregressive path "parts" from teacher forcing when its mean CE
   * exceeds teacher forcing's at the same position by more than this (nats). Step 1 sees the same true
   * context in both modes, so the two agree there to float error; 0.5 nats is a perplexity factor of
   * e^0.5 ≈ 1.65, a difference a reader would call real, and well above float noise (< 1e-3).
   */
  modeStepDivergenceNats: 0.5,

  /**
   * KV cache: largest |incremental logit - full-forward logit| allowed. The two paths do the same float32
   * arithmetic in a different order (a softmax over a growing cache vs one causal softmax, different
   * matmul shapes and kernels); for logits of magnitude ~10 after ~8-10 layers that reordering yields
   * differences around 1e-5 (float32 epsilon 1.2e-7 times accumulation over ~10^3-term dot products and
   * the layers' growth). 1e-3 leaves two orders of magnitude for other providers' kernels and still
   * bounds the effect on a log-softmax (at most twice max|diff|) to 2e-3 nats: nothing that could
   * explain a gap worth investigating. A broken cache (wrong positions, stale entries) gives differences
   * of order 1 and more.
   */
  kvMaxAbsDiff: 1e-3,

  /**
   * KV cache: fraction of steps whose argmax token must agree between the two paths. Within the
   * max|diff| bound above a flip needs the top two logits to be within 1e-3 of each other, which happens
   * on a few rows in a thousand; 0.99 tolerates those near-ties and catches a cache that changes what
   * the model predicts.
   */
  kvTop1Agreement: 0.99,

  /**
   * alignment: largest |keepLastAligned mean - teacherForcing mean| (nats). Both score the same rows;
   * logits_to_keep only slices the hidden states before lm_head, so any difference is float reordering
   * (~1e-5). Above 1e-3 nats the graph's logits_to_keep path computes something else.
   */
  keepLastAlignedNats: 1e-3,

  /**
   * "Explain my number": a measured variant reproduces the user's number when |variant - reported| /
   * reported ≤ this. It assumes the user's script scored the same samples as the run; then what may
   * legitimately differ is precision (fp16 vs float32 logits: well under 1%) and framework (PyTorch vs
   * onnxruntime: under 0.1%), and 5% also absorbs a sample or two more or fewer. The variants it must
   * tell apart differ by far more (the seed's misaligned slice is 4.5x teacher forcing) and the nearest
   * one wins. A different sample set is another matter: the seed's own means on 20 and on 10 samples
   * differ by 17% (2.73 vs 2.26), which is why the report names the samples it compared on.
   */
  explainRelativeTolerance: 0.05,

  /**
   * "Beyond noise": a difference counts only when it exceeds this many standard errors of itself. Two
   * standard errors is the usual ~95% band (lm-evaluation-harness and llama.cpp print ± one standard
   * error beside each mean; a reader doubles it in their head). With 20 samples the standard error is
   * itself uncertain by ~16%, so a tighter band would call noise a finding.
   */
  noiseStderrs: 2,

  /**
   * train vs eval: the smallest |eval - training loss| / training loss that matters. The seed calls a
   * difference under 10% excellent. Below it the evaluation reproduces training whatever the noise;
   * above it a verdict also needs the difference to be beyond noise (noiseStderrs). Compared with the
   * logged loss just before the checkpoint's step (trainingLossAt), never with the end of training.
   */
  trainEvalRelative: 0.1,

  /**
   * alignment: how far (nats) the rows behind the sweep's best row must score above it before the sweep
   * can test alignment at all. A model near its no-context (unigram) level predicts almost as well from
   * the wrong rows as from the right ones, and row +1, which has been fed its own target, wins on any
   * copy tendency. 1 nat (a perplexity factor of e) is well clear of the 20-sample noise (~0.1 nats) and
   * far below what a model that learned context shows (our demo's final checkpoint: 6.8 nats).
   */
  alignmentMinDepthNats: 1,

  /**
   * alignment: the smallest sweep[0] - sweep[best] (nats) that can show rows out of step. An export
   * whose rows are one position late loses its whole learned depth at shift 0 (several nats); a dip
   * under 1 nat at +1 is what leakage of the target into row +1 gives an early checkpoint.
   */
  alignmentMinDipNats: 1,

  /**
   * Checkpoint trajectories: the smallest change of a mean loss between consecutive checkpoints (nats,
   * paired over the same samples) worth stating as a regression or an improvement. 0.05 nats is a 5%
   * change of perplexity; smaller changes between checkpoints are rarely a finding even when precise.
   */
  changeMinNats: 0.05,
} as const

export type ThresholdName = keyof typeof THRESHOLDS
