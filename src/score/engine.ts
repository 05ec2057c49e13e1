/**
 * The score engine: the packaged model and the stages after it, run in one order on every batch —
 * score (the challenger beside it) → explain → decide. Explain comes before decide because a review
 * case keeps the reasons the output shows. Each stage's result lands on the batch as a typed member
 * (`explanations`, `decisions`); the encoders read them from there. Pipes, files and streams all score
 * through an engine; with no stage asked for it only passes the batch on.
 */
import { loadScorer, type ScoredColumns, type ScoredRow, type Scorer } from '../scorer/scorer.js';
import { columnInputs, rowInputs, type BatchInputs } from '../pipeline/batch.js';
import type { DecisionFields } from '../decide/runtime.js';
import { decisionStage, packagedPolicy, type DecisionStage } from '../decide/stage.js';
import type { BatchExplanations, Explanation } from '../explain/explainer.js';
import { explainStage, packageExplainer, type ExplainStage } from '../explain/stage.js';
import type { ScoreCommon } from './request.js';

/** A scored batch as the encoders see it: the model's columns and what the stages added. */
export interface ScoredBatch extends ScoredColumns {
  /** per row: base value and top reasons (--explain K) */
  explanations?: BatchExplanations;
  /** per row: the decision (and the challenger's side) when the package carries a policy or a challenger runs */
  decisions?: Partial<DecisionFields>[];
}

/** A scored row with what the stages added (the stream runner's results). */
export interface EngineRow extends ScoredRow {
  explanation?: Explanation | null;
  decision?: Partial<DecisionFields>;
}

/** What the columnar runs (pipe, file, Arrow: columns.ts) score with: a Scorer whose batches may carry the stages' members (a ScoreEngine, or a bare packaged scorer). */
export type BatchScorer = Pick<Scorer, 'manifest' | 'dir' | 'validate' | 'scanInputs'> & {
  scoreColumns(cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]): Promise<ScoredBatch>;
};

export interface Stages {
  explain?: ExplainStage;
  decide?: DecisionStage;
  /** a second package scored on the same rows beside the model; its scores go to the decision stage's shadow log */
  challenger?: Scorer;
}

export class ScoreEngine implements Scorer {
  readonly manifest: Scorer['manifest'];
  readonly dir: string;
  readonly scanInputs: Scorer['scanInputs'];
  readonly validate: Scorer['validate'];
  /** reasons per result (0 = none) */
  readonly explainK: number;
  constructor(
    readonly scorer: Scorer,
    readonly stages: Stages = {},
  ) {
    this.manifest = scorer.manifest;
    this.dir = scorer.dir;
    this.scanInputs = scorer.scanInputs;
    this.validate = scorer.validate.bind(scorer);
    this.explainK = stages.explain?.k ?? 0;
  }

  /** Scores a batch of columns and runs the stages on it. */
  async scoreColumns(cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]): Promise<ScoredBatch> {
    const { explain, decide } = this.stages;
    if (!explain && !decide) return this.scorer.scoreColumns(cols, n, keys);
    const inputs = columnInputs(this.manifest.inputs ?? [], cols, n, keys);
    const side = this.challengerScores(inputs);
    const batch: ScoredBatch = await this.scorer.scoreColumns(cols, n, keys);
    await this.after(batch, inputs, side);
    return batch;
  }

  /** Scores row objects and runs the stages on them (the stream runner's path). */
  async scoreRows(rows: Record<string, unknown>[], keys?: (string | undefined)[]): Promise<EngineRow[]> {
    const { explain, decide } = this.stages;
    if (!explain && !decide) return this.scorer.scoreRows(rows, keys);
    const inputs = rowInputs(rows, keys);
    const side = this.challengerScores(inputs);
    const out: EngineRow[] = await this.scorer.scoreRows(rows, keys);
    const task = this.manifest.model.task;
    const view: ScoredBatch = {
      n: out.length,
      K: 0,
      score: Float64Array.from(out, (s) => s.score),
      segment: task === 'segmentation' ? Int32Array.from(out, (s) => s.segment ?? -1) : undefined,
      probabilities: task === 'multiclass' ? Float64Array.from(out.flatMap((s) => s.probabilities ?? [])) : undefined,
    };
    await this.after(view, inputs, side);
    for (let i = 0; i < out.length; i++) {
      if (view.explanations) out[i].explanation = view.explanations.at(i);
      if (view.decisions) out[i].decision = view.decisions[i];
    }
    return out;
  }

  /** the challenger's scores of the batch, or the error it failed with (never thrown: the champion goes on) */
  private challengerScores(inputs: BatchInputs): Promise<ArrayLike<number> | Error> | undefined {
    const ch = this.stages.challenger;
    if (!ch) return undefined;
    const run = async () => {
      try {
        if (inputs.cols) return (await ch.scoreColumns(inputs.cols, inputs.n)).score.subarray(0, inputs.n);
        return (await ch.scoreRows(inputs.rows ?? Array.from({ length: inputs.n }, (_, i) => inputs.row(i)))).map((s) => s.score);
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    };
    return run();
  }

  private async after(batch: ScoredBatch, inputs: BatchInputs, side: Promise<ArrayLike<number> | Error> | undefined): Promise<void> {
    const { explain, decide } = this.stages;
    if (explain) batch.explanations = explain.explain(inputs, batch);
    if (decide) batch.decisions = await decide.decide(inputs, batch, batch.explanations, await side);
  }

  close(): void {
    this.scorer.close();
    this.stages.challenger?.close();
    this.stages.decide?.close();
  }
}

/** The stages a request asks for, around a loaded scorer. */
export async function engineFor(scorer: Scorer, r: Pick<ScoreCommon, 'explain' | 'workspace' | 'source'> & { redis?: string; challenger?: Scorer; onWarn?: (msg: string) => void }): Promise<ScoreEngine> {
  // reasons ride on each result (--explain K) and on review cases and shadow entries, from the package's explain.json
  const reviews = !!r.challenger || packagedPolicy(scorer.manifest) !== null;
  const explainer = r.explain > 0 || reviews ? packageExplainer(scorer, r.explain > 0) : null;
  const stages: Stages = {};
  if (r.explain > 0) stages.explain = explainStage(scorer, r.explain, explainer!);
  const decide = await decisionStage(scorer, { workspace: r.workspace, redis: r.redis, source: r.source, challenger: r.challenger, explainer, onWarn: r.onWarn });
  if (decide) stages.decide = decide;
  if (r.challenger) stages.challenger = r.challenger;
  return new ScoreEngine(scorer, stages);
}

/** Loads the request's package (and challenger) and builds its engine. */
export async function openEngine(r: ScoreCommon & { url?: string; mode: string }, onWarn?: (msg: string) => void): Promise<ScoreEngine> {
  const scorer = await loadScorer(r.package, { batchSize: r.batchSize, threads: r.threads });
  let challenger: Scorer | undefined;
  try {
    challenger = r.challenger ? await loadScorer(r.challenger, { batchSize: r.batchSize, threads: r.threads }) : undefined;
    return await engineFor(scorer, { ...r, redis: r.mode === 'redis' ? r.url : undefined, challenger, onWarn });
  } catch (e) {
    scorer.close();
    challenger?.close();
    throw e;
  }
}
