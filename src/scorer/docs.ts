/**
 * The package's README.md. Pure text from the manifest: no dates, so rebuilding a package gives the
 * same bytes. The Spark files and their README section are in spark.ts.
 */
import type { Manifest } from './manifest.js';
import { sparkReadmeSection } from './spark.js';

function policyLine(p: unknown): string {
  if (!p || typeof p !== 'object') return 'none embedded (scores only).';
  const o = p as Record<string, unknown>;
  return `version ${String(o.version ?? '?')} of the policy for model ${String(o.model ?? '?')} (owner ${String(o.owner ?? '?')}, autonomy ${String(o.autonomy ?? '?')}) is embedded in manifest.json \`decisionPolicy\`.`;
}

export function readmeText(m: Manifest): string {
  const ref = m.model.ref;
  const example: Record<string, unknown> = {};
  for (const inp of m.inputs) {
    const f = m.features.find((x) => x.input === inp.name && (x.categories?.length || x.vocabulary?.length));
    example[inp.name] = inp.type === 'number' ? 1.5 : (f?.categories?.[0] ?? f?.vocabulary?.[0] ?? 'x');
  }
  const exampleLine = JSON.stringify(example);
  const inputsTable = m.inputs.map((i) => `| \`${i.name}\` | ${i.type} | ${i.nullable ? 'yes' : 'no'} | \`${i.field}\` | ${i.onnxType} [N,1] |`).join('\n');
  const outs = m.outputs.map((o) => `- \`${o.name}\` ${o.type} [${o.shape.join(',')}]: ${o.description}`).join('\n');
  const policies = Object.entries(m.unknownPolicy)
    .map(([k, v]) => `- \`${k}\`: ${v}`)
    .join('\n');
  const isReg = m.model.task === 'regression';
  return `# Scorer package for ${ref}

A self-contained scorer of the dictl model **${ref}** (${m.model.task}, ${m.model.algorithm}).
One ONNX graph (\`model.onnx\`, IR ${m.onnx.irVersion}, opsets ${Object.entries(m.onnx.opset)
    .map(([d, v]) => `${d || 'ai.onnx'} ${v}`)
    .join(', ')}) takes the raw input columns and does the fitted imputation, scaling, encoding and the model.

| file | what |
| --- | --- |
| model.onnx | the graph: raw named inputs → features → model |
| input.avsc | Avro record schema of one event (validated before scoring) |
| manifest.json | inputs, outputs, feature order, vocabularies, unknown-value policy, lineage, file hashes |
| spark_job.py | Spark job: Parquet/CSV batch, Kafka or Redis Streams, scored with mapInPandas + onnxruntime |
| dictl_scoring.py | the job's scoring (importable without pyspark; ship with \`--py-files\`) |
| requirements.txt | Python packages the Spark executors need |
${m.explain ? '| explain.json | what `dictl score --explain K` needs to give each score its reasons: the fitted pipeline, the model parameters, the training means / tree covers |\n' : ''}
## Inputs

One tensor per raw column, shape [N,1]: numbers as double (missing = NaN), strings as string
(missing = empty string). JSON events use the column names below; Avro field names replace characters
Avro does not allow with \`_\`.

| column | type | nullable | Avro field | ONNX input |
| --- | --- | --- | --- | --- |
${inputsTable}

## Outputs

${outs}

Feature order (the model's input vector): ${m.featureOrder.length} columns, listed in manifest.json \`featureOrder\`.

Unknown categories${policies ? ':\n\n' + policies : ': none (no categorical features).'}

Under \`error\` (one-hot) or \`error\`/\`skip\` (index), dictl's validation rejects the event before scoring
(dead-lettered on streams); the graph itself scores such values like \`zeros\` / \`keep\`, so apply the
same check (manifest.json \`features\`) when calling the graph directly.

## Run with dictl

\`\`\`sh
# NDJSON events on stdin → one NDJSON result per line on stdout, in order
echo '${exampleLine.replace(/'/g, "'\\''")}' | dictl score --package .
# files (CSV, Parquet or NDJSON in; NDJSON or CSV out), invalid rows to a dead-letter file
dictl score --package . --input events.csv --out scores.ndjson --dead-letter bad.ndjson
# Redis Streams (several processes in one group share the stream); each entry holds the event
# JSON in a field \`data\` (or one field per input column)
dictl score --package . --redis redis://127.0.0.1:6379 --stream events --group scorers --consumer c1 --out-stream scores
\`\`\`

Decision policy: ${policyLine(m.decisionPolicy)}

## Run with plain Node (onnxruntime-node)

\`\`\`js
import ort from 'onnxruntime-node';
const session = await ort.InferenceSession.create('model.onnx');
const events = [${exampleLine}];
const feeds = {};
${m.inputs
  .map((i) =>
    i.type === 'number'
      ? `feeds[${JSON.stringify(i.name)}] = new ort.Tensor('float64', Float64Array.from(events, (e) => e[${JSON.stringify(i.name)}] ?? NaN), [events.length, 1]);`
      : `feeds[${JSON.stringify(i.name)}] = new ort.Tensor('string', events.map((e) => e[${JSON.stringify(i.name)}] ?? ''), [events.length, 1]);`,
  )
  .join('\n')}
const out = await session.run(feeds);
console.log(${isReg ? 'out.prediction.data' : 'out.probabilities.data, out.label.data'});
\`\`\`

## Run with Python onnxruntime

\`\`\`python
import json, numpy as np, onnxruntime as ort
manifest = json.load(open("manifest.json"))
sess = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
events = [json.loads('${exampleLine.replace(/'/g, "\\'")}')]
feeds = {}
for inp in manifest["inputs"]:
    vals = [e.get(inp["name"]) for e in events]
    if inp["type"] == "number":
        feeds[inp["name"]] = np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64).reshape(-1, 1)
    else:
        feeds[inp["name"]] = np.array(["" if v is None else str(v) for v in vals], dtype=object).reshape(-1, 1)
print(dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds))))
\`\`\`

${sparkReadmeSection()}
## Lineage

Model ${ref}; dataset ${m.lineage?.dataset ?? '?'} (sha256 ${m.lineage?.datasetSha256 ?? '?'});
feature set ${m.lineage?.featureSet ? `${m.lineage.featureSet.name}@${m.lineage.featureSet.version}` : '?'}; holdout ${m.lineage?.holdout ?? '?'}.
Built by dictl ${m.versions.dictl} for onnxruntime ${m.versions.onnxruntime}. File hashes are in manifest.json.
`;
}
