import { Flags } from '@oclif/core';
import { DictlCommand } from '../src/base.js';
import { scoreCommand } from '../src/score/score.js';

export default class Score extends DictlCommand {
  static override summary = 'Score events with a scorer package: files, NDJSON pipes, Redis Streams or Kafka.';
  static override description = [
    'Every event is validated against the package input.avsc first; invalid events go to --dead-letter with the reason and the original payload, and scoring continues.',
    'Pipe mode (no --input): NDJSON on stdin → one NDJSON line per event on stdout, in order (errors as {"error","line"} lines); the --json summary goes to stderr.',
    'Arrow pipe (--format arrow): an Arrow IPC stream on stdin (one column per package input; an "id" column is copied through) → an Arrow IPC stream on stdout, one record batch per input batch, rows in order: id, score, label, p_CLASS…, prediction or segment, the decision and reason columns of the CSV output, and "error" (null when the row scored; its result columns are null and it goes to --dead-letter). The format Spark mapInArrow and pandas UDFs exchange.',
    'File mode: --input FILE.csv|.parquet|.ndjson --out FILE.ndjson|.csv; stream mode: --redis or --kafka (see the streams flags). In both the --json summary goes to stdout.',
    'SIGINT/SIGTERM stop reading, finish the events already read and print the summary.',
    'Reasons: --explain K adds to each result "base" (the base value on the margin scale: log-odds for binary models, the value for regression) and "reasons": the K source columns with the largest |contribution|, each {"column","value","contribution"}; with every column listed, base + Σ contribution is the row\'s margin. Linear models: coefficient × (value − training mean), one-hot levels summed back to their column. CSV output gets base, reasonI_column, reasonI_value, reasonI_contribution. Multiclass results explain the predicted class ("explained_class"). Review cases keep their top reasons either way.',
    'Shadow deployment: --challenger DIR scores every event with a second package on the same validated rows. The champion\'s output and action are emitted as usual; the challenger\'s score and the action its policy (else the champion\'s) would take are only logged (registry/shadow/MODEL/log.ndjson, or the Redis stream shadow:MODEL with --redis) and shown under "challenger" in each NDJSON/stream output. Report: dictl decide shadow MODEL.',
  ].join('\n');
  static override examples = [
    'cat events.ndjson | <%= config.bin %> score --package build/churn-scorer > scores.ndjson',
    '<%= config.bin %> score --package build/churn-scorer --input new_customers.csv --out scores.csv --dead-letter rejected.ndjson',
    '<%= config.bin %> score --package build/churn-scorer --input batch.parquet --out scores.ndjson --json',
    'tail -f events.ndjson | <%= config.bin %> score --package build/churn-scorer --metrics-every 5 --dead-letter bad.ndjson',
    '<%= config.bin %> score --package build/churn-scorer --redis redis://127.0.0.1:6379 --stream events --group scorers --consumer c1 --out-stream scores',
    '<%= config.bin %> score --package build/churn-scorer --kafka broker:9092 --topic events --group scorers --out-topic scores',
    '<%= config.bin %> score --package build/churn-v3 --challenger build/churn-v4 --input events.ndjson --out decisions.ndjson',
    'cat events.ndjson | <%= config.bin %> score --package build/churn-scorer --explain 3',
    '<%= config.bin %> score --package build/churn-scorer --format arrow < batch.arrows > scores.arrows',
  ];
  static override flags = {
    package: Flags.string({ char: 'p', description: 'scorer package folder (made by dictl package)', required: true }),
    challenger: Flags.string({ description: 'challenger package scored beside --package on the same rows: logged to the shadow log and shown under "challenger", never acted on' }),
    input: Flags.string({ char: 'i', description: 'input file: .csv, .parquet or .ndjson (default: NDJSON on stdin)' }),
    format: Flags.string({ description: 'pipe wire format: ndjson, or arrow (Arrow IPC stream on stdin and stdout)', options: ['ndjson', 'arrow'], default: 'ndjson' }),
    out: Flags.string({ char: 'o', description: 'output file: .ndjson or .csv (required with --input)', aliases: ['output'] }),
    'dead-letter': Flags.string({ description: 'NDJSON file (or stream:KEY with --redis) receiving invalid events with reason and payload' }),
    'batch-size': Flags.integer({ description: 'events per scoring batch', default: 4096, min: 1, max: 1_000_000 }),
    'metrics-every': Flags.integer({ description: 'seconds between metrics lines on stderr (0 = none)', default: 10, min: 0 }),
    threads: Flags.integer({ description: 'onnxruntime intra-op threads (default: onnxruntime decides); a tree package: threads walking its trees (default 2)', min: 1 }),
    redis: Flags.string({ description: 'Redis URL to read a stream from, e.g. redis://127.0.0.1:6379', helpGroup: 'STREAMS' }),
    stream: Flags.string({ description: 'Redis stream key to read', helpGroup: 'STREAMS' }),
    group: Flags.string({ description: 'consumer group', default: 'dictl-scorers', helpGroup: 'STREAMS' }),
    consumer: Flags.string({ description: 'consumer name (default: host-pid)', helpGroup: 'STREAMS' }),
    'out-stream': Flags.string({ description: 'Redis stream receiving results', helpGroup: 'STREAMS' }),
    'out-hash': Flags.string({ description: 'write results to hashes PREFIX<event id> instead', helpGroup: 'STREAMS' }),
    kafka: Flags.string({ description: 'Kafka brokers, comma separated', helpGroup: 'STREAMS' }),
    topic: Flags.string({ description: 'Kafka topic to read', helpGroup: 'STREAMS' }),
    'out-topic': Flags.string({ description: 'Kafka topic receiving results', helpGroup: 'STREAMS' }),
    'online-store': Flags.string({ description: 'Redis URL of the online feature store to enrich events from', helpGroup: 'STREAMS', aliases: ['lookup'] }),
    'lookup-prefix': Flags.string({ description: 'key prefix of the online store hashes', helpGroup: 'STREAMS' }),
    'entity-key': Flags.string({ description: 'event field holding the entity key for --online-store', helpGroup: 'STREAMS' }),
    'block-ms': Flags.integer({ description: 'longest wait for new stream events per read', default: 1000, min: 1, helpGroup: 'STREAMS' }),
    'max-events': Flags.integer({ description: 'stop after this many events (streams)', min: 1, helpGroup: 'STREAMS' }),
    'idle-exit-ms': Flags.integer({ description: 'stop when no event arrived for this long (streams)', min: 1, helpGroup: 'STREAMS' }),
    explain: Flags.integer({ description: 'add the top K reasons (source column, value, contribution on the margin scale) and the base value to each result', min: 1, max: 1000 }),
    'claim-idle-ms': Flags.integer({ description: 'claim pending events idle this long from dead consumers', default: 30000, min: 1, helpGroup: 'STREAMS' }),
  };

  async run() {
    const { flags } = await this.parseCommand(Score);
    const dl = flags['dead-letter'];
    this.checkOutputs([['--out', flags.out], ['--dead-letter', dl && !/^(stream|topic):/.test(dl) ? dl : undefined]], [flags.input ?? '', flags.package]);
    // one naming convention on the command line (--out, --online-store); the request keeps the scorer's names
    const r = await scoreCommand({ ...flags, output: flags.out, lookup: flags['online-store'] }, this.progress);
    const human = (x: typeof r) =>
      `Scored ${x.eventsOut} of ${x.eventsIn} events with ${x.model} (${x.deadLettered} dead-lettered) in ${(x.durationMs / 1000).toFixed(2)} s, ${x.eventsPerSec}/s; batch p50 ${x.latencyMs.p50} ms, p99 ${x.latencyMs.p99} ms` +
      ('output' in x && x.output ? ` → ${x.output}` : '');
    if (r.mode !== 'pipe') return this.emit(r, human); // files and streams: stdout is free for the summary
    // stdout carries the data stream: the summary goes to stderr
    this.progress.done();
    if (!this.quietMode) process.stderr.write((this.jsonMode ? JSON.stringify(r) : human(r)) + '\n');
    return r;
  }
}
