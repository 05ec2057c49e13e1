/**
 * Challenger scoring beside the champion (shadow deployment): the pure part. No I/O here.
 *
 * Every event scored with `dictl score --challenger DIR` gives one ShadowEntry: both models' scores on
 * the same validated row, and the action each one's policy takes (the challenger's own policy, else the
 * champion's; the champion's own, else the challenger's; "none" when neither package has one). Only
 * the champion's decision is acted on; the challenger's is logged (see shadow-store.ts) and reported
 * here: agreement of actions (Wilson interval), a champion × challenger confusion table of actions,
 * score differences and, for events later labelled by humans, each model's agreement with the label.
 */
import { sha256 } from '../util/hash.js';
import { bandOf, modelCall, type Band, type DecisionPolicy } from './policy.js';
import { agreement, zFor, type Agreement } from './trust.js';

export interface ShadowSide {
  /** name@version */
  model: string;
  /** P(positive); null when the challenger failed on this event */
  score: number | null;
  /** band under the policy applied (null without a policy or on failure) */
  band: Band | null;
  /** the action the policy applied would take ("none" without a policy) — the intended action */
  action: string;
  /** the model's yes/no call: high → yes, low → no, review band or no policy → score >= its threshold */
  call: 'yes' | 'no' | null;
  /** "MODEL/policy@N" of the policy applied, null when none */
  policy: string | null;
  /** champion only: the action actually emitted (differs from `action` under autonomy shadow) */
  emitted?: string;
  /** champion only: base value and top reasons of its score (margin scale), when its package can explain */
  base?: number;
  reasons?: { column: string; value: unknown; contribution: number }[];
  /** champion only: its review case id when the event went to human review */
  reviewId?: string;
  /** challenger only: why scoring failed */
  error?: string;
}

export interface ShadowEntry {
  /** content hash: same models, policies, source and input → same id (re-scoring logs no duplicate) */
  id: string;
  at: string;
  source: string;
  key?: string;
  input: Record<string, unknown>;
  champion: ShadowSide;
  challenger: ShadowSide;
}

/** The member every output line gets under `challenger`. */
export interface ChallengerFields {
  model: string;
  score: number | null;
  action: string;
  band: Band | null;
  error?: string;
}

export const policyRef = (p: DecisionPolicy | null): string | null => (p ? `${p.model}/policy@${p.version}` : null);

/** One model's side of a shadow entry: the band and intended action under `policy` (may be null). */
export function shadowSide(policy: DecisionPolicy | null, model: string, score: number, threshold: number): ShadowSide {
  if (!Number.isFinite(score)) return { model, score: null, band: null, action: 'none', call: null, policy: policyRef(policy), error: `score is not a finite number (${score})` };
  if (!policy) return { model, score, band: null, action: 'none', call: score >= threshold ? 'yes' : 'no', policy: null };
  const band = bandOf(policy, score);
  return { model, score, band, action: policy.actions[band], call: modelCall(band, score, threshold), policy: policyRef(policy) };
}

export function failedSide(model: string, policy: DecisionPolicy | null, error: string): ShadowSide {
  return { model, score: null, band: null, action: 'none', call: null, policy: policyRef(policy), error };
}

export function challengerFields(s: ShadowSide): ChallengerFields {
  const f: ChallengerFields = { model: s.model, score: s.score, action: s.action, band: s.band };
  if (s.error) f.error = s.error;
  return f;
}

/**
 * The content hash of an entry: models, policies applied, source, key and input (not the scores or time).
 * A failed challenger gets another id, so a later successful re-score of the event is still logged.
 */
export function shadowId(e: { source: string; key?: string; input: Record<string, unknown>; champion: Pick<ShadowSide, 'model' | 'policy'>; challenger: Pick<ShadowSide, 'model' | 'policy' | 'error'> }): string {
  const parts: unknown[] = [e.champion.model, e.champion.policy, e.challenger.model, e.challenger.policy, e.source, e.key ?? null, e.input];
  if (e.challenger.error !== undefined) parts.push('challenger-failed');
  return 'sh-' + sha256(JSON.stringify(parts)).slice(0, 16);
}

/** A canonical key of an event's inputs (sorted field names; only `names` when given). */
export function inputKey(input: Record<string, unknown>, names?: string[]): string {
  const ks = names ?? Object.keys(input).sort();
  return JSON.stringify(ks.map((k) => [k, input[k] ?? null]));
}

export type Label = 'yes' | 'no';

export interface MatchedLabel {
  label: Label;
  /** a resolved review case of the champion, or a labels file matched by the event's inputs */
  from: 'review' | 'labels';
}

/**
 * Human labels of shadow entries, by entry id: a resolved review case of the champion (matched by its
 * review id) wins over a label matched by the event's inputs (a labels file).
 */
export function matchLabels(entries: ShadowEntry[], byReviewId: Map<string, Label>, byInput: Map<string, Label>, names?: string[]): Map<string, MatchedLabel> {
  const out = new Map<string, MatchedLabel>();
  for (const e of entries) {
    const r = e.champion.reviewId ? byReviewId.get(e.champion.reviewId) : undefined;
    if (r) {
      out.set(e.id, { label: r, from: 'review' });
      continue;
    }
    const l = byInput.size ? byInput.get(inputKey(e.input, names)) : undefined;
    if (l) out.set(e.id, { label: l, from: 'labels' });
  }
  return out;
}

export interface ShadowReport {
  model: string;
  /** distinct events in the log (after any --challenger filter) */
  events: number;
  /** champion/challenger pairs in the log and how many events each */
  pairs: { champion: string; challenger: string; events: number }[];
  /** events where the challenger failed (left out of every comparison below) */
  failed: number;
  /** events compared: events − failed */
  compared: number;
  confidence: number;
  /** same action from both policies, with a Wilson interval */
  actionAgreement: Agreement;
  /** same yes/no call from both models */
  callAgreement: Agreement;
  /** counts[i][j]: champion action actions[i] × challenger action actions[j] */
  confusion: { actions: string[]; counts: number[][] };
  /** challenger − champion score */
  scoreDiff: { meanAbs: number; maxAbs: number; mean: number };
  meanScore: { champion: number; challenger: number };
  /** compared events with a human label (null when none) */
  labelled: null | {
    n: number;
    fromReviews: number;
    fromLabels: number;
    positives: number;
    champion: Agreement;
    challenger: Agreement;
    /** calls right by both, only one of them, neither */
    both: number;
    onlyChampion: number;
    onlyChallenger: number;
    neither: number;
  };
}

export function shadowReport(model: string, entries: ShadowEntry[], labels: Map<string, MatchedLabel> = new Map(), o: { confidence?: number } = {}): ShadowReport {
  const confidence = o.confidence ?? 0.95;
  const z = zFor(confidence);
  const pairs = new Map<string, { champion: string; challenger: string; events: number }>();
  for (const e of entries) {
    const k = `${e.champion.model}\u0000${e.challenger.model}`;
    const p = pairs.get(k) ?? { champion: e.champion.model, challenger: e.challenger.model, events: 0 };
    p.events++;
    pairs.set(k, p);
  }
  const ok = entries.filter((e) => e.challenger.score !== null && e.champion.score !== null);
  const actions = [...new Set(ok.flatMap((e) => [e.champion.action, e.challenger.action]))].sort();
  const at = new Map(actions.map((a, i) => [a, i]));
  const counts = actions.map(() => actions.map(() => 0));
  let sameAction = 0;
  let sameCall = 0;
  let sumAbs = 0;
  let sum = 0;
  let maxAbs = 0;
  let sumChamp = 0;
  let sumChal = 0;
  const lab = { n: 0, positives: 0, champ: 0, chal: 0, both: 0, onlyChampion: 0, onlyChallenger: 0, neither: 0, fromReviews: 0, fromLabels: 0 };
  for (const e of ok) {
    const a = e.champion.action;
    const b = e.challenger.action;
    counts[at.get(a)!][at.get(b)!]++;
    if (a === b) sameAction++;
    if (e.champion.call === e.challenger.call) sameCall++;
    const d = e.challenger.score! - e.champion.score!;
    sum += d;
    sumAbs += Math.abs(d);
    maxAbs = Math.max(maxAbs, Math.abs(d));
    sumChamp += e.champion.score!;
    sumChal += e.challenger.score!;
    const m = labels.get(e.id);
    if (m) {
      const l = m.label;
      lab.n++;
      if (m.from === 'review') lab.fromReviews++;
      else lab.fromLabels++;
      if (l === 'yes') lab.positives++;
      const c1 = e.champion.call === l;
      const c2 = e.challenger.call === l;
      if (c1) lab.champ++;
      if (c2) lab.chal++;
      if (c1 && c2) lab.both++;
      else if (c1) lab.onlyChampion++;
      else if (c2) lab.onlyChallenger++;
      else lab.neither++;
    }
  }
  const n = ok.length;
  return {
    model,
    events: entries.length,
    pairs: [...pairs.values()],
    failed: entries.length - n,
    compared: n,
    confidence,
    actionAgreement: agreement(sameAction, n, z),
    callAgreement: agreement(sameCall, n, z),
    confusion: { actions, counts },
    scoreDiff: { meanAbs: n ? sumAbs / n : 0, maxAbs, mean: n ? sum / n : 0 },
    meanScore: { champion: n ? sumChamp / n : 0, challenger: n ? sumChal / n : 0 },
    labelled:
      lab.n === 0
        ? null
        : {
            n: lab.n,
            fromReviews: lab.fromReviews,
            fromLabels: lab.fromLabels,
            positives: lab.positives,
            champion: agreement(lab.champ, lab.n, z),
            challenger: agreement(lab.chal, lab.n, z),
            both: lab.both,
            onlyChampion: lab.onlyChampion,
            onlyChallenger: lab.onlyChallenger,
            neither: lab.neither,
          },
  };
}

/**
 * Why a challenger cannot be scored on the rows the champion validates: inputs the champion does not
 * have, or has with another type. Empty when it can.
 */
export function challengerInputProblems(champion: { name: string; type: string }[], challenger: { name: string; type: string }[]): { missing: string[]; mistyped: { name: string; champion: string; challenger: string }[] } {
  const have = new Map(champion.map((i) => [i.name, i.type]));
  const missing: string[] = [];
  const mistyped: { name: string; champion: string; challenger: string }[] = [];
  for (const i of challenger) {
    const t = have.get(i.name);
    if (t === undefined) missing.push(i.name);
    else if (t !== i.type) mistyped.push({ name: i.name, champion: t, challenger: i.type });
  }
  return { missing, mistyped };
}
