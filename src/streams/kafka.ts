/**
 * Kafka source and sinks (kafkajs) behind the same Source/Sink interface as Redis Streams.
 *
 * Consumer group `--group`, subscribed from the beginning, autoCommit off. Each fetched batch is
 * pushed through a PushPullQueue and the handler waits until the runner has written the results and
 * acked every event of it; only then is the offset resolved and committed (last offset + 1). A crash
 * before that commit means the batch is delivered again (at-least-once). Results go to --out-topic
 * as JSON {event_id, score, label?, prediction?, probabilities?}, keyed by the source message key
 * (or the event id) with header event_id = "topic/partition/offset"; consumers of the output dedupe on
 * event_id. Dead letters go to a topic as JSON {event_id, reason, payload, source}.
 *
 * Running against a broker (none can run on the build machine):
 *   docker run -d -p 9092:9092 apache/kafka:3.8.0
 *   dictl score --package pkg --kafka localhost:9092 --topic events --group scorers --consumer c1 --out-topic scores
 * Message values are the event JSON objects (the same as the Redis `data` field).
 */
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import { PushPullQueue } from './kafka-queue.js';
import { decodeJson } from './event.js';
import { resultJson } from './redis-streams.js';
import type { DeadLetter, DeadLetterSink, ResultRecord, Sink, Source, SourceEvent } from './types.js';

export function kafkaEvent(topic: string, partition: number, m: Pick<KafkaMessage, 'offset' | 'key' | 'value'>): SourceEvent {
  const id = `${topic}/${partition}/${m.offset}`;
  const e = decodeJson(id, m.value ? m.value.toString('utf8') : '');
  if (m.key) e.key = m.key.toString('utf8');
  return e;
}

/**
 * The eachBatch handler: push the batch, wait for its acks, then resolve and commit the offset after
 * the last message. Exported so the commit-after-write logic is tested without a broker.
 */
export function makeEachBatch(
  queue: PushPullQueue<SourceEvent>,
  commit: (topic: string, partition: number, nextOffset: string) => Promise<void>,
  heartbeatEveryMs = 3000,
) {
  return async (p: Pick<EachBatchPayload, 'batch' | 'resolveOffset' | 'heartbeat'>): Promise<void> => {
    const { batch } = p;
    if (batch.messages.length === 0) return;
    const events = batch.messages.map((m) => kafkaEvent(batch.topic, batch.partition, m));
    const hb = setInterval(() => p.heartbeat().catch(() => undefined), heartbeatEveryMs);
    try {
      await queue.push(events);
    } finally {
      clearInterval(hb);
    }
    const last = batch.messages[batch.messages.length - 1].offset;
    p.resolveOffset(last);
    await commit(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
  };
}

export class QueueSource implements Source {
  constructor(
    readonly queue: PushPullQueue<SourceEvent>,
    readonly name: string,
  ) {}
  read(max: number, blockMs: number): Promise<SourceEvent[]> {
    return this.queue.pull(max, blockMs);
  }
  async ack(events: SourceEvent[]): Promise<void> {
    this.queue.ack(events);
  }
  redeliver(events: SourceEvent[]): void {
    this.queue.redeliver(events);
  }
  claimed(): number {
    return 0; // Kafka reassigns partitions of dead consumers by rebalancing; nothing to claim
  }
  wake(): void {
    this.queue.wake();
  }
  async close(): Promise<void> {
    this.queue.close();
  }
}

class KafkaTopicSink implements Sink, DeadLetterSink {
  readonly name: string;
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly encode: (x: ResultRecord & DeadLetter) => { key: string; value: string; headers: Record<string, string> },
  ) {
    this.name = `kafka topic ${topic}`;
  }
  async write(items: (ResultRecord | DeadLetter)[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: items.map((x) => this.encode(x as ResultRecord & DeadLetter)) });
  }
  async close(): Promise<void> {}
}

export class KafkaStream {
  private constructor(
    readonly source: QueueSource,
    private readonly consumer: Consumer,
    private readonly producer: Producer,
  ) {}

  static async open(brokers: string, topic: string, group: string, clientId: string): Promise<KafkaStream> {
    // kafkajs is loaded only when a Kafka stream is opened
    const kafkajs = (await import('kafkajs')).default;
    const kafka = new kafkajs.Kafka({
      clientId,
      brokers: brokers.split(',').map((b) => b.trim()),
      logLevel: kafkajs.logLevel.WARN,
      // one plain line per warning on stderr instead of kafkajs's JSON records
      logCreator: () => (entry: { level: number; log: { message: string } }) => {
        process.stderr.write(`kafka ${entry.level === kafkajs.logLevel.ERROR ? 'error' : 'warning'}: ${entry.log.message}\n`);
      },
    });
    const consumer = kafka.consumer({ groupId: group });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const queue = new PushPullQueue<SourceEvent>();
    const source = new QueueSource(queue, `kafka topic ${topic} (group ${group}, client ${clientId})`);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: makeEachBatch(queue, (t, partition, offset) => consumer.commitOffsets([{ topic: t, partition, offset }])),
    });
    return new KafkaStream(source, consumer, producer);
  }

  sink(topic: string): Sink {
    return new KafkaTopicSink(this.producer, topic, (r) => ({ key: r.key ?? r.eventId, value: resultJson(r), headers: { event_id: r.eventId } }));
  }

  deadLetterSink(topic: string): DeadLetterSink {
    return new KafkaTopicSink(this.producer, topic, (d) => ({
      key: d.eventId,
      value: JSON.stringify({ event_id: d.eventId, reason: d.reason, payload: d.payload, source: d.source }),
      headers: { event_id: d.eventId },
    }));
  }

  async close(): Promise<void> {
    this.source.queue.close();
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }
}
