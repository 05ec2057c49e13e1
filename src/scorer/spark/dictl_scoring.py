"""Scoring of a dictl scorer package on Spark executors.

Importable without pyspark: argument parsing, the Spark schema of the model's inputs, where the
package files are found, event checks and the conversion of rows to ONNX feeds are plain Python
(numpy, pandas and onnxruntime are imported only when a batch is scored). spark_job.py wires these
into Spark.

Files: model.onnx and manifest.json are found, in this order, in --package DIR (storage every node
can read), through SparkFiles (shipped with spark-submit --files model.onnx,manifest.json), or in the
working folder.
"""
import argparse
import json
import math
import os

PACKAGE_FILES = ("model.onnx", "manifest.json")
# columns the scorer adds to every result row
RESULT_FIELDS = (("score", "double"), ("label", "string"), ("error", "string"))


def parse_args(argv=None):
    """The job's arguments. Batch when --input is given, else a stream from --source."""
    ap = argparse.ArgumentParser(
        prog="spark_job.py",
        description="Score events with a dictl scorer package on Spark: a Kafka or Redis stream, or a Parquet/CSV batch.",
    )
    ap.add_argument("--package", help="folder holding model.onnx and manifest.json on storage every node reads (default: the files shipped with --files)")
    ap.add_argument("--input", help="batch mode: Parquet or CSV file or folder of events (one column per model input)")
    ap.add_argument("--output", help="batch mode: Parquet folder to write (the input columns plus score, label, error)")
    ap.add_argument("--input-format", choices=["parquet", "csv"], help="format of --input (default: from its extension; a folder is Parquet)")
    ap.add_argument("--overwrite", action="store_true", help="batch mode: replace --output if it exists")
    ap.add_argument("--source", choices=["kafka", "redis"], help="stream mode: where events come from (default kafka)")
    ap.add_argument("--brokers", default="localhost:9092", help="Kafka bootstrap servers")
    ap.add_argument("--topic", default="events", help="Kafka topic of events (JSON in the message value, the key is the id)")
    ap.add_argument("--out-topic", default="scores", help="Kafka topic for results")
    ap.add_argument("--redis-host", default="localhost")
    ap.add_argument("--redis-port", type=int, default=6379)
    ap.add_argument("--stream", default="events", help="Redis stream of events (the event JSON in field data)")
    ap.add_argument("--out-stream", default="scores", help="Redis stream for results")
    ap.add_argument("--checkpoint", help="stream mode: checkpoint folder (Spark keeps the stream's offsets there); required")
    args = ap.parse_args(argv)
    if args.input is not None:
        if args.source is not None:
            ap.error("--input (batch) and --source (stream) exclude each other")
        if not args.output:
            ap.error("--input needs --output (a Parquet folder)")
        if args.input_format is None:
            args.input_format = input_format(args.input)
        args.mode = "batch"
    else:
        if args.output is not None:
            ap.error("--output needs --input (batch mode)")
        if args.source is None:
            args.source = "kafka"
        if not args.checkpoint:
            ap.error("--checkpoint DIR is required for a stream (on storage that survives a restart)")
        if not 0 < args.redis_port < 65536:
            ap.error("--redis-port must be from 1 to 65535")
        args.mode = "stream"
    return args


def input_format(path):
    """parquet or csv, from the extension of a file; a folder (Spark's output layout) is Parquet."""
    p = path.rstrip("/").lower()
    if p.endswith(".csv") or p.endswith(".csv.gz"):
        return "csv"
    return "parquet"


def resolve_file(name, package=None, sparkfiles_get=None, exists=os.path.exists):
    """Absolute path of a package file on this node (driver or executor)."""
    if package:
        p = os.path.join(package, name)
        if exists(p):
            return os.path.abspath(p)
        raise FileNotFoundError("%s not found in --package %s (it must be readable on every node)" % (name, package))
    tried = []
    if sparkfiles_get is not None:
        p = sparkfiles_get(name)
        if exists(p):
            return p
        tried.append(p)
    if exists(name):
        return os.path.abspath(name)
    tried.append(os.path.abspath(name))
    raise FileNotFoundError(
        "%s not found (looked in %s): ship it with spark-submit --files model.onnx,manifest.json or pass --package DIR" % (name, ", ".join(tried))
    )


def load_manifest(path):
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    if m.get("kind") != "dictl-scorer-package":
        raise ValueError("%s is not a dictl scorer package manifest" % path)
    return m


def spark_type(inp):
    return "double" if inp["type"] == "number" else "string"


def input_fields(manifest):
    """(column, Spark type) of every model input, in the model's order."""
    return [(inp["name"], spark_type(inp)) for inp in manifest["inputs"]]


def quote(name):
    """A Spark SQL identifier: any name, backticks doubled."""
    return "`" + name.replace("`", "``") + "`"


def ddl(fields):
    """A Spark DDL schema string (for from_json and mapInPandas) of (name, type) pairs."""
    return ", ".join("%s %s" % (quote(n), t.upper()) for n, t in fields)


def result_fields(columns):
    """The batch result's columns: the input's (name, type) pairs, then score, label, error."""
    clash = [n for n, _ in columns if n in dict(RESULT_FIELDS)]
    if clash:
        raise ValueError("the input already has a column named %s; rename it before scoring" % ", ".join(clash))
    return list(columns) + list(RESULT_FIELDS)


def check_columns(manifest, columns):
    """Inputs the batch lacks: non-nullable ones are an error, nullable ones are scored as missing."""
    have = set(columns)
    missing = [i for i in manifest["inputs"] if i["name"] not in have]
    required = [i["name"] for i in missing if not i["nullable"]]
    if required:
        raise ValueError("the input has no column %s (the model needs it); columns: %s" % (", ".join(required), ", ".join(columns)))
    return [i["name"] for i in missing]


def native(v):
    """A plain Python value for a numpy scalar (pandas hands numpy ints and bools to the scorer)."""
    if v is not None and not isinstance(v, (str, bytes)) and hasattr(v, "item"):
        return v.item()
    return v


def number_value(v):
    """A model number from an event value (None and NaN are missing)."""
    v = native(v)
    if v is None:
        return math.nan
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return math.nan
        return float(s)  # ValueError names the text
    raise ValueError("not a number: %r" % (v,))


def category_value(v):
    """A model category from an event value, spelled as dictl does (1.0 -> "1", True -> "true"); "" is missing."""
    v = native(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return repr(v)
    return str(v)


def check_event(ev, inputs):
    """None when the event can be scored, else why not."""
    if not isinstance(ev, dict):
        return "event is not a JSON object"
    for inp in inputs:
        v = native(ev.get(inp["name"]))
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            if not inp["nullable"]:
                return "missing field " + inp["name"]
            continue
        if inp["type"] == "number":
            try:
                number_value(v)
            except ValueError:
                return "field %s is not a number: %r" % (inp["name"], v)
    return None


def parse_event(text, inputs):
    """(event dict, error) from one JSON text."""
    try:
        ev = json.loads(text)
    except (TypeError, ValueError) as e:
        return {}, "not JSON: %s" % e
    err = check_event(ev, inputs)
    return (ev if err is None else {}), err


def feeds(events, inputs, np):
    """ONNX feeds, one [n, 1] tensor per input: numbers as float64 (missing NaN), strings (missing "")."""
    n = len(events)
    out = {}
    for inp in inputs:
        vals = [e.get(inp["name"]) for e in events]
        if inp["type"] == "number":
            out[inp["name"]] = np.array([number_value(v) for v in vals], dtype=np.float64).reshape(n, 1)
        else:
            out[inp["name"]] = np.array([category_value(v) for v in vals], dtype=object).reshape(n, 1)
    return out


def scores(outputs, task, errors, np):
    """(score, label) columns from the graph's outputs; rows with an error get NaN and no label."""
    if task == "regression":
        score = outputs["prediction"][:, 0].astype(np.float64)
        label = [None] * len(errors)
    else:
        p = outputs["probabilities"]
        score = (p[:, 1] if task == "binary" else p.max(axis=1)).astype(np.float64)
        label = [str(x) for x in outputs["label"][:, 0]]
    ok = np.array([e is None for e in errors], dtype=bool)
    return np.where(ok, score, np.nan), [lab if e is None else None for lab, e in zip(label, errors)]


def make_scorer(manifest, locate, json_column=None):
    """A mapInPandas function. With json_column, each frame has id and that column (event JSON) and the
    result is id, score, label, error; else each frame holds the input columns and the result is the
    same columns plus score, label, error. `locate(name)` returns a package file's path on the executor."""
    inputs = manifest["inputs"]
    task = manifest["model"]["task"]
    model_file = manifest["onnx"]["file"]

    def score(iterator):
        import numpy as np
        import onnxruntime as ort
        import pandas as pd

        sess = ort.InferenceSession(locate(model_file), providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        for pdf in iterator:
            n = len(pdf)
            if n == 0:
                continue
            if json_column is not None:
                parsed = [parse_event(t, inputs) for t in pdf[json_column]]
                events = [ev for ev, _ in parsed]
                errors = [err for _, err in parsed]
            else:
                cols = [i["name"] for i in inputs if i["name"] in pdf.columns]
                records = pdf[cols].to_dict("records")
                events, errors = [], []
                for r in records:
                    r = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                    err = check_event(r, inputs)
                    events.append(r if err is None else {})
                    errors.append(err)
            out = dict(zip(names, sess.run(None, feeds(events, inputs, np))))
            score_col, label_col = scores(out, task, errors, np)
            if json_column is not None:
                yield pd.DataFrame({"id": pdf["id"].values, "score": score_col, "label": label_col, "error": errors})
            else:
                res = pdf.copy()
                res["score"] = score_col
                res["label"] = label_col
                res["error"] = errors
                yield res

    return score
