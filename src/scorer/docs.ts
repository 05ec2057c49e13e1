/**
 * The package's README.md and spark_job.py. Pure text from the manifest: no dates, so rebuilding a
 * package gives the same bytes.
 */
import type { Manifest } from './manifest.js';

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
| spark_job.py | PySpark Structured Streaming job (Kafka or Redis Streams source, mapInPandas + onnxruntime) |

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

## Run in Spark Structured Streaming

\`spark_job.py\` reads events (JSON in the Kafka message value, or the \`data\` field of a Redis Stream
entry), scores them with \`mapInPandas\` + onnxruntime on the executors and writes
\`{id, score, label}\` back to Kafka or a Redis Stream. The package folder must be readable on every
executor (ship it with \`--files\` or put it on shared storage).

\`\`\`sh
# Kafka (spark-sql-kafka on the classpath)
spark-submit --packages org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.1 spark_job.py \\
  --package . --source kafka --brokers broker:9092 --topic events --out-topic scores
# Redis Streams (spark-redis on the classpath; results written with redis-py)
spark-submit --packages com.redislabs:spark-redis_2.12:3.1.0 spark_job.py \\
  --package . --source redis --redis-host redis --redis-port 6379 --stream events --out-stream scores
\`\`\`

## Lineage

Model ${ref}; dataset ${m.lineage?.dataset ?? '?'} (sha256 ${m.lineage?.datasetSha256 ?? '?'});
feature set ${m.lineage?.featureSet ? `${m.lineage.featureSet.name}@${m.lineage.featureSet.version}` : '?'}; holdout ${m.lineage?.holdout ?? '?'}.
Built by dictl ${m.versions.dictl} for onnxruntime ${m.versions.onnxruntime}. File hashes are in manifest.json.
`;
}

export function sparkJobText(): string {
  return `#!/usr/bin/env python3
"""PySpark Structured Streaming job for a dictl scorer package.

Reads JSON events from Kafka (message value) or a Redis Stream (field "data", via spark-redis), scores
them with onnxruntime inside mapInPandas using the package's model.onnx, and writes {id, score, label}
to a Kafka topic or a Redis Stream. Events that are not valid JSON or miss a non-nullable field get
score NaN and an "error" column instead of stopping the stream.
"""
import argparse
import json
import os


def load_manifest(package):
    with open(os.path.join(package, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def make_scorer(package):
    """Returns a function: iterator of pandas DataFrames (id, data) -> iterator of result DataFrames."""
    manifest = load_manifest(package)
    model_path = os.path.join(package, manifest["onnx"]["file"])
    inputs = manifest["inputs"]
    task = manifest["model"]["task"]
    classes = manifest["model"]["classes"]

    def score(iterator):
        import numpy as np
        import onnxruntime as ort
        import pandas as pd

        sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        for pdf in iterator:
            events, errors = [], []
            for text in pdf["data"]:
                try:
                    ev = json.loads(text)
                    if not isinstance(ev, dict):
                        raise ValueError("event is not a JSON object")
                    for inp in inputs:
                        if not inp["nullable"] and ev.get(inp["name"]) is None:
                            raise ValueError("missing field " + inp["name"])
                    events.append(ev)
                    errors.append(None)
                except Exception as e:  # noqa: BLE001 - a bad event must not stop the stream
                    events.append({})
                    errors.append(str(e))
            n = len(events)
            if n == 0:
                continue
            feeds = {}
            for inp in inputs:
                vals = [e.get(inp["name"]) for e in events]
                if inp["type"] == "number":
                    feeds[inp["name"]] = np.array(
                        [np.nan if v is None else float(v) for v in vals], dtype=np.float64
                    ).reshape(n, 1)
                else:
                    feeds[inp["name"]] = np.array(
                        ["" if v is None else str(v) for v in vals], dtype=object
                    ).reshape(n, 1)
            out = dict(zip(names, sess.run(None, feeds)))
            if task == "regression":
                score_col = out["prediction"][:, 0]
                label_col = [None] * n
            elif task == "binary":
                score_col = out["probabilities"][:, 1]
                label_col = [str(x) for x in out["label"][:, 0]]
            else:
                score_col = out["probabilities"].max(axis=1)
                label_col = [str(x) for x in out["label"][:, 0]]
            score_col = np.where([e is None for e in errors], score_col, np.nan)
            yield pd.DataFrame({"id": pdf["id"].values, "score": score_col, "label": label_col, "error": errors})

    return score, classes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--source", choices=["kafka", "redis"], default="kafka")
    ap.add_argument("--brokers", default="localhost:9092")
    ap.add_argument("--topic", default="events")
    ap.add_argument("--out-topic", default="scores")
    ap.add_argument("--redis-host", default="localhost")
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--stream", default="events")
    ap.add_argument("--out-stream", default="scores")
    ap.add_argument("--checkpoint", default="/tmp/dictl-spark-checkpoint")
    args = ap.parse_args()

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    spark = SparkSession.builder.appName("dictl-scorer").getOrCreate()
    if args.source == "kafka":
        raw = (
            spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", args.brokers)
            .option("subscribe", args.topic)
            .load()
            .selectExpr("CAST(key AS STRING) AS id", "CAST(value AS STRING) AS data")
        )
    else:
        raw = (
            spark.readStream.format("redis")
            .option("host", args.redis_host)
            .option("port", str(args.redis_port))
            .option("stream.keys", args.stream)
            .schema(StructType([StructField("_id", StringType()), StructField("data", StringType())]))
            .load()
            .select(F.col("_id").alias("id"), F.col("data"))
        )

    score, _classes = make_scorer(args.package)
    out_schema = StructType(
        [
            StructField("id", StringType()),
            StructField("score", DoubleType()),
            StructField("label", StringType()),
            StructField("error", StringType()),
        ]
    )
    scored = raw.mapInPandas(score, schema=out_schema)

    if args.source == "kafka":
        query = (
            scored.select(F.col("id").alias("key"), F.to_json(F.struct("id", "score", "label", "error")).alias("value"))
            .writeStream.format("kafka")
            .option("kafka.bootstrap.servers", args.brokers)
            .option("topic", args.out_topic)
            .option("checkpointLocation", args.checkpoint)
            .start()
        )
    else:

        def write_redis(batch_df, _batch_id):
            import redis

            r = redis.Redis(host=args.redis_host, port=args.redis_port)
            pipe = r.pipeline()
            for row in batch_df.toLocalIterator():
                fields = {"id": row["id"], "score": "" if row["score"] is None else repr(row["score"])}
                if row["label"] is not None:
                    fields["label"] = row["label"]
                if row["error"] is not None:
                    fields["error"] = row["error"]
                pipe.xadd(args.out_stream, fields)
            pipe.execute()

        query = scored.writeStream.foreachBatch(write_redis).option("checkpointLocation", args.checkpoint).start()
    query.awaitTermination()


if __name__ == "__main__":
    main()
`;
}
