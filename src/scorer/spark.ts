/**
 * The Spark part of a scorer package: spark_job.py (the job), dictl_scoring.py (the scoring, importable
 * without pyspark), requirements.txt (what the executors' Python needs) and the README section with the
 * spark-submit lines. The Python sources live beside this module (src/scorer/spark/); their bytes go into
 * the package as they are, so a package is byte-identical for the same model and dictl version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The versions the job was written for (pinned in requirements.txt and named in the README). */
export const SPARK_VERSIONS = {
  spark: '3.5.1',
  scala: '2.12',
  python: '3.11',
  kafkaConnector: 'org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.1',
  redisConnector: 'com.redislabs:spark-redis_2.12:3.1.0',
  requirements: { onnxruntime: '1.17.3', numpy: '1.26.4', pandas: '2.2.2', pyarrow: '15.0.2', redis: '5.0.4' },
} as const;

export const SPARK_JOB_FILES = ['spark_job.py', 'dictl_scoring.py'] as const;

function pythonSource(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/scorer/spark/ from the sources, and from dist/src/scorer/ (tsc copies no .py files)
  for (const dir of [join(here, 'spark'), join(here, '../../../src/scorer/spark')]) {
    const p = join(dir, name);
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  throw new Error(`${name} is missing from dictl's installation (src/scorer/spark/)`);
}

export const sparkJobText = (): string => pythonSource('spark_job.py');
export const scoringModuleText = (): string => pythonSource('dictl_scoring.py');

export function requirementsText(): string {
  const r = SPARK_VERSIONS.requirements;
  return [
    `# Python packages the Spark executors (and the driver) need to run spark_job.py, for PySpark ${SPARK_VERSIONS.spark}.`,
    '# pyspark itself comes with the cluster. pyarrow and pandas are what mapInPandas uses; redis only for --source redis.',
    ...Object.entries(r).map(([k, v]) => `${k}==${v}`),
    '',
  ].join('\n');
}

export function sparkReadmeSection(): string {
  const v = SPARK_VERSIONS;
  const ship = '--py-files dictl_scoring.py --files model.onnx,manifest.json';
  return `## Run on Spark

\`spark_job.py\` scores on the executors with \`mapInPandas\` + onnxruntime, in one of three modes:

- batch: \`--input\` Parquet or CSV (one column per model input, any other columns are kept) →
  \`--output\` a Parquet folder with the input columns plus \`score\`, \`label\`, \`error\`;
- Kafka: JSON events in the message value (the key is the id) → \`{id, score, label, error}\` JSON on \`--out-topic\`;
- Redis Streams (spark-redis): the event JSON in the entry's field \`data\` → entries on \`--out-stream\` (written with redis-py).

An event that is not JSON, misses a non-nullable input or holds text where a number belongs gets
\`score\` NaN and an \`error\`; the job goes on. The scoring is in \`dictl_scoring.py\`, shipped with
\`--py-files\`; \`model.onnx\` and \`manifest.json\` are shipped with \`--files\` and found on every executor
through \`SparkFiles\` (or pass \`--package DIR\` naming a folder every node can read). The executors'
Python needs the packages in \`requirements.txt\` (\`pip install -r requirements.txt\` on the nodes, or a
packed environment shipped with \`--archives\`). Run these from this folder:

\`\`\`sh
# batch: Parquet (or CSV) in, Parquet out
spark-submit ${ship} spark_job.py --input events.parquet --output scores
# Kafka in, Kafka out
spark-submit --packages ${v.kafkaConnector} ${ship} spark_job.py --source kafka --brokers broker:9092 --topic events --out-topic scores --checkpoint /checkpoints/scorer
# Redis Streams in and out
spark-submit --packages ${v.redisConnector} ${ship} spark_job.py --source redis --redis-host redis --redis-port 6379 --stream events --out-stream scores --checkpoint /checkpoints/scorer
\`\`\`

\`python3 spark_job.py --help\` lists every option. Written for Spark ${v.spark} (Scala ${v.scala}),
PySpark ${v.spark} on Python ${v.python}, ${Object.entries(v.requirements)
    .map(([k, x]) => `${k} ${x}`)
    .join(', ')}, with ${v.kafkaConnector} and ${v.redisConnector}. No Spark, Kafka broker or Python
onnxruntime was available where dictl is tested: there the job is byte-compiled, and
\`dictl_scoring.py\` (arguments, schema mapping, file resolution, event checks, feeds) is unit-tested
with plain Python; the job itself has not been run by dictl's tests.
`;
}
