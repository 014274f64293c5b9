/**
 * What evaluation needs from a trained model, whatever its fusion or backend.
 * Inputs are the prepared (standardised) per-modality matrices of `core/data/dataset.ts`.
 */
export interface Predictor {
  readonly modalityNames: string[];
  readonly widths: number[];
  readonly nClasses: number;
  /** Class probabilities, row-major n × nClasses. */
  predictProba(x: Float32Array[], n: number): Float32Array;
  /**
   * Embedding z_k = g_k(x^k) of modality k, row-major n × embeddingWidth(k).
   * Undefined for early fusion (no per-modality encoder).
   */
  embed?(k: number, xk: Float32Array, n: number): Float32Array;
  embeddingWidth?(k: number): number;
  /**
   * Class probabilities (row-major n × nClasses) from per-modality embeddings z[k] = embed(k, x[k])
   * (row-major n × embeddingWidth(k)): the fusion head alone. Equals predictProba(x) when every z[k]
   * comes from embed. Undefined for early fusion.
   */
  predictFromEmbeddings?(z: Float32Array[], n: number): Float32Array;
  /**
   * The fusion head on `passes` stacked variants of the n rows (evaluation's batched passes):
   * `z[k]` holds passes·n rows, or n rows when every variant has the same embedding of modality k
   * (computed once, not per variant). Equals `predictFromEmbeddings` on the n-row blocks tiled
   * `passes` times, up to float rounding. Optional; undefined for early fusion.
   */
  predictFromSharedEmbeddings?(z: Float32Array[], n: number, passes: number): Float32Array;
  /**
   * Per-sample norms ‖∂ℓ/∂z_k‖ for each modality (METHOD.md §3 encoder-error term): K arrays of n.
   * Undefined for early fusion.
   */
  embeddingGradNorms?(x: Float32Array[], y: Int32Array, n: number): Float32Array[];
}
