#!/usr/bin/env python3
"""Spark job for a dictl scorer package: scores events with the package's model.onnx on the executors.

  batch:  --input events.parquet|events.csv --output scores/   (Parquet: the input columns + score, label, error)
  stream: --source kafka  (JSON events in the message value, the key is the id) -> Kafka topic
          --source redis  (the event JSON in field data of a Redis Stream entry, via spark-redis) -> Redis Stream

Events that are not valid JSON, miss a non-nullable input or hold a non-number where a number belongs
get score NaN and an error instead of stopping the job. The scoring itself lives in dictl_scoring.py
(ship it with --py-files); model.onnx and manifest.json are shipped with --files and found through
SparkFiles on every executor, or read from --package DIR on shared storage.
"""
import sys

import dictl_scoring as ds


def main(argv=None):
    args = ds.parse_args(argv)

    from pyspark import SparkFiles
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    builder = SparkSession.builder.appName("dictl-scorer")
    if args.mode == "stream" and args.source == "redis":
        # spark-redis takes its connection from the session configuration
        builder = builder.config("spark.redis.host", args.redis_host).config("spark.redis.port", str(args.redis_port))
    spark = builder.getOrCreate()

    package = args.package

    def locate(name):
        # runs on the driver and on executors: --package DIR, else SparkFiles, else the working folder
        return ds.resolve_file(name, package, SparkFiles.get)

    manifest = ds.load_manifest(locate("manifest.json"))
    locate(manifest["onnx"]["file"])  # fail on the driver, before any task, when the model was not shipped

    if args.mode == "batch":
        reader = spark.read
        if args.input_format == "csv":
            # every column as text: the scorer parses numbers itself and reports the ones that are not
            df = reader.option("header", "true").option("inferSchema", "false").csv(args.input)
        else:
            df = reader.parquet(args.input)
        missing = ds.check_columns(manifest, df.columns)
        for name in missing:
            df = df.withColumn(name, F.lit(None).cast(dict(ds.input_fields(manifest))[name]))
        ds.result_fields([(f.name, f.dataType.simpleString()) for f in df.schema.fields])
        out_schema = StructType.fromJson(
            {"type": "struct", "fields": [f.jsonValue() for f in df.schema.fields] + [{"name": n, "type": t, "nullable": True, "metadata": {}} for n, t in ds.RESULT_FIELDS]}
        )
        scored = df.mapInPandas(ds.make_scorer(manifest, locate), schema=out_schema)
        scored.write.mode("overwrite" if args.overwrite else "errorifexists").parquet(args.output)
        return 0

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
            .option("stream.keys", args.stream)
            .schema("_id STRING, data STRING")
            .load()
            .select(F.col("_id").alias("id"), F.col("data"))
        )
    scored = raw.mapInPandas(ds.make_scorer(manifest, locate, json_column="data"), schema="id STRING, score DOUBLE, label STRING, error STRING")

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
        host, port, out_stream = args.redis_host, args.redis_port, args.out_stream

        def write_redis(batch_df, _batch_id):
            import redis

            r = redis.Redis(host=host, port=port)
            pipe = r.pipeline()
            for row in batch_df.toLocalIterator():
                fields = {"id": row["id"], "score": "" if row["score"] is None else repr(row["score"])}
                if row["label"] is not None:
                    fields["label"] = row["label"]
                if row["error"] is not None:
                    fields["error"] = row["error"]
                pipe.xadd(out_stream, fields)
            pipe.execute()

        query = scored.writeStream.foreachBatch(write_redis).option("checkpointLocation", args.checkpoint).start()
    query.awaitTermination()
    return 0


if __name__ == "__main__":
    sys.exit(main())
