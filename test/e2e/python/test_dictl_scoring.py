"""Unit tests of a scorer package's Spark files with plain Python (no pyspark, no onnxruntime).

Run by test/spark-job.test.ts with DICTL_PACKAGE naming a freshly written package folder.
"""
import json
import math
import os
import py_compile
import shlex
import sys
import tempfile
import unittest

PKG = os.environ["DICTL_PACKAGE"]
sys.path.insert(0, PKG)

import dictl_scoring as ds  # noqa: E402

MANIFEST = ds.load_manifest(os.path.join(PKG, "manifest.json"))


class Imports(unittest.TestCase):
    def test_scoring_module_and_job_import_without_pyspark(self):
        import subprocess

        code = "import sys; sys.path.insert(0, sys.argv[1]); import dictl_scoring, spark_job; assert callable(spark_job.main); print(sorted(m for m in ('pyspark', 'onnxruntime', 'pandas', 'pyarrow', 'numpy') if m in sys.modules))"
        r = subprocess.run([sys.executable, "-c", code, PKG], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "[]")

    def test_job_help_runs_without_pyspark(self):
        import subprocess

        r = subprocess.run([sys.executable, os.path.join(PKG, "spark_job.py"), "--help"], capture_output=True, text=True, cwd=PKG)
        self.assertEqual(r.returncode, 0, r.stderr)
        for opt in ("--input", "--output", "--source", "--checkpoint", "--package"):
            self.assertIn(opt, r.stdout)

    def test_both_files_byte_compile(self):
        for name in ("spark_job.py", "dictl_scoring.py"):
            with tempfile.TemporaryDirectory() as d:
                py_compile.compile(os.path.join(PKG, name), cfile=os.path.join(d, name + "c"), doraise=True)


class Arguments(unittest.TestCase):
    def fails(self, argv, text):
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as cm:
            ds.parse_args(argv)
        self.assertEqual(cm.exception.code, 2)
        self.assertIn(text, err.getvalue())

    def test_batch(self):
        a = ds.parse_args(["--input", "events.csv", "--output", "out"])
        self.assertEqual((a.mode, a.input_format, a.output, a.overwrite, a.package), ("batch", "csv", "out", False, None))
        self.assertEqual(ds.parse_args(["--input", "s3://b/events/", "--output", "o"]).input_format, "parquet")
        self.assertEqual(ds.parse_args(["--input", "e.parquet", "--output", "o", "--overwrite"]).overwrite, True)
        self.assertEqual(ds.parse_args(["--input", "e.txt", "--input-format", "csv", "--output", "o"]).input_format, "csv")

    def test_stream(self):
        a = ds.parse_args(["--checkpoint", "/c"])
        self.assertEqual((a.mode, a.source, a.brokers, a.topic, a.out_topic), ("stream", "kafka", "localhost:9092", "events", "scores"))
        a = ds.parse_args(["--source", "redis", "--redis-host", "r", "--redis-port", "7000", "--stream", "in", "--out-stream", "out", "--checkpoint", "/c", "--package", "/shared/pkg"])
        self.assertEqual((a.source, a.redis_host, a.redis_port, a.stream, a.out_stream, a.package), ("redis", "r", 7000, "in", "out", "/shared/pkg"))

    def test_bad_combinations(self):
        self.fails(["--input", "e.parquet"], "--input needs --output")
        self.fails(["--input", "e.parquet", "--output", "o", "--source", "kafka"], "exclude each other")
        self.fails(["--output", "o", "--checkpoint", "/c"], "--output needs --input")
        self.fails([], "--checkpoint DIR is required")
        self.fails(["--checkpoint", "/c", "--redis-port", "0"], "--redis-port must be from 1 to 65535")
        self.fails(["--source", "files"], "invalid choice")


class Schema(unittest.TestCase):
    def test_input_fields_follow_the_manifest(self):
        fields = ds.input_fields(MANIFEST)
        self.assertEqual([n for n, _ in fields], [i["name"] for i in MANIFEST["inputs"]])
        for (n, t), inp in zip(fields, MANIFEST["inputs"]):
            self.assertEqual(t, "double" if inp["type"] == "number" else "string", n)
        self.assertIn(("mean radius", "double"), fields)

    def test_ddl_quotes_every_name(self):
        self.assertEqual(ds.ddl([("mean radius", "double"), ("a`b", "string"), ("x", "double")]), "`mean radius` DOUBLE, `a``b` STRING, `x` DOUBLE")

    def test_result_fields(self):
        self.assertEqual(ds.result_fields([("id", "string")]), [("id", "string"), ("score", "double"), ("label", "string"), ("error", "string")])
        with self.assertRaisesRegex(ValueError, "already has a column named score"):
            ds.result_fields([("score", "double")])

    def test_check_columns(self):
        names = [i["name"] for i in MANIFEST["inputs"]]
        required = [i["name"] for i in MANIFEST["inputs"] if not i["nullable"]]
        optional = [i["name"] for i in MANIFEST["inputs"] if i["nullable"]]
        self.assertTrue(required and optional)
        self.assertEqual(ds.check_columns(MANIFEST, names + ["extra"]), [])
        self.assertEqual(ds.check_columns(MANIFEST, required), optional)
        with self.assertRaisesRegex(ValueError, "has no column " + required[0]):
            ds.check_columns(MANIFEST, optional)


class Files(unittest.TestCase):
    def test_package_dir(self):
        self.assertEqual(ds.resolve_file("model.onnx", PKG), os.path.abspath(os.path.join(PKG, "model.onnx")))
        with self.assertRaisesRegex(FileNotFoundError, "nope.onnx not found in --package"):
            ds.resolve_file("nope.onnx", PKG)

    def test_sparkfiles_then_working_folder(self):
        with tempfile.TemporaryDirectory() as d:
            shipped = os.path.join(d, "model.onnx")
            open(shipped, "wb").close()
            self.assertEqual(ds.resolve_file("model.onnx", None, lambda n: os.path.join(d, n)), shipped)
            cwd = os.getcwd()
            os.chdir(PKG)
            try:
                # not shipped: the working folder (spark-submit run from the package folder, client mode)
                self.assertEqual(ds.resolve_file("manifest.json", None, lambda n: os.path.join(d, n)), os.path.join(os.path.abspath(PKG), "manifest.json"))
            finally:
                os.chdir(cwd)
            with self.assertRaisesRegex(FileNotFoundError, "ship it with spark-submit --files model.onnx,manifest.json"):
                ds.resolve_file("absent.onnx", None, lambda n: os.path.join(d, n))

    def test_manifest_kind_is_checked(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"kind": "other"}, f)
        try:
            with self.assertRaisesRegex(ValueError, "not a dictl scorer package manifest"):
                ds.load_manifest(f.name)
        finally:
            os.unlink(f.name)


class Events(unittest.TestCase):
    def test_values(self):
        import numpy as np

        self.assertTrue(math.isnan(ds.number_value(None)))
        self.assertTrue(math.isnan(ds.number_value(" ")))
        self.assertEqual([ds.number_value(v) for v in [1, 2.5, "3.25", True, np.int64(4), np.float32(0.5)]], [1.0, 2.5, 3.25, 1.0, 4.0, 0.5])
        with self.assertRaises(ValueError):
            ds.number_value("abc")
        # categories spelled as dictl spells them (JavaScript's String(v))
        self.assertEqual([ds.category_value(v) for v in [None, "paris", 1.0, 2, True, False, 0.25, float("nan"), np.int64(7), np.bool_(True)]], ["", "paris", "1", "2", "true", "false", "0.25", "", "7", "true"])

    def test_checks(self):
        inputs = MANIFEST["inputs"]
        required = next(i["name"] for i in inputs if not i["nullable"])
        number = next(i["name"] for i in inputs if i["type"] == "number")
        good = {i["name"]: (1.5 if i["type"] == "number" else "paris") for i in inputs}
        self.assertIsNone(ds.check_event(good, inputs))
        self.assertEqual(ds.check_event([1], inputs), "event is not a JSON object")
        self.assertEqual(ds.check_event({**good, required: None}, inputs), "missing field " + required)
        self.assertEqual(ds.check_event({**good, number: "x"}, inputs), "field %s is not a number: 'x'" % number)
        ev, err = ds.parse_event('{"broken', inputs)
        self.assertEqual(ev, {})
        self.assertTrue(err.startswith("not JSON"))
        self.assertEqual(ds.parse_event(json.dumps(good), inputs), (good, None))

    def test_feeds(self):
        import numpy as np

        inputs = [{"name": "a", "type": "number", "nullable": True}, {"name": "mean radius", "type": "number", "nullable": False}, {"name": "city", "type": "string", "nullable": True}]
        f = ds.feeds([{"a": 1, "mean radius": "2.5", "city": "rome"}, {"mean radius": 3, "city": None}, {}], inputs, np)
        self.assertEqual(sorted(f), ["a", "city", "mean radius"])
        self.assertEqual(f["a"].dtype, np.float64)
        self.assertEqual(f["a"].shape, (3, 1))
        self.assertEqual(f["a"][0, 0], 1.0)
        self.assertTrue(np.isnan(f["a"][1:, 0]).all())
        self.assertEqual(f["mean radius"][:2, 0].tolist(), [2.5, 3.0])
        self.assertEqual(f["city"].dtype, object)
        self.assertEqual(f["city"][:, 0].tolist(), ["rome", "", ""])

    def test_scores(self):
        import numpy as np

        out = {"probabilities": np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]), "label": np.array([["no"], ["yes"], ["yes"]], dtype=object)}
        s, lab = ds.scores(out, "binary", [None, None, "missing field city"], np)
        self.assertEqual(s[:2].tolist(), [0.1, 0.8])
        self.assertTrue(math.isnan(s[2]))
        self.assertEqual(lab, ["no", "yes", None])
        s, lab = ds.scores(out, "multiclass", [None, None, None], np)
        self.assertEqual(s.tolist(), [0.9, 0.8, 0.5])
        s, lab = ds.scores({"prediction": np.array([[1.5], [2.0]])}, "regression", [None, None], np)
        self.assertEqual((s.tolist(), lab), ([1.5, 2.0], [None, None]))


class Readme(unittest.TestCase):
    def commands(self):
        text = open(os.path.join(PKG, "README.md"), encoding="utf-8").read()
        section = text[text.index("## Run on Spark"):]
        section = section[: section.index("\n## ", 4)] if "\n## " in section[4:] else section
        block = section[section.index("```sh") + 5 : section.index("```", section.index("```sh") + 5)]
        return [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line.strip().startswith("spark-submit")]

    def test_spark_submit_lines_name_package_files_and_parse(self):
        cmds = self.commands()
        self.assertEqual(len(cmds), 3)
        modes = set()
        for argv in cmds:
            self.assertEqual(argv[0], "spark-submit")
            i = next(k for k, a in enumerate(argv) if a.endswith(".py") and not argv[k - 1].startswith("--"))
            spark_opts, script, job_args = argv[1:i], argv[i], argv[i + 1 :]
            opts = dict(zip(spark_opts[::2], spark_opts[1::2]))
            self.assertEqual(len(spark_opts) % 2, 0, spark_opts)
            named = [script] + opts["--py-files"].split(",") + opts["--files"].split(",")
            for f in named:
                self.assertTrue(os.path.isfile(os.path.join(PKG, f)), f + " is not in the package")
            self.assertEqual(sorted(opts["--files"].split(",")), sorted(ds.PACKAGE_FILES))
            self.assertIn("dictl_scoring.py", opts["--py-files"].split(","))
            a = ds.parse_args(job_args)
            modes.add(a.mode if a.mode == "batch" else a.source)
            if a.mode == "stream":
                self.assertIn("--packages", opts)
        self.assertEqual(modes, {"batch", "kafka", "redis"})

    def test_requirements_pin_what_the_executors_import(self):
        reqs = [l for l in open(os.path.join(PKG, "requirements.txt"), encoding="utf-8").read().splitlines() if l and not l.startswith("#")]
        names = {l.split("==")[0] for l in reqs}
        self.assertEqual(names, {"onnxruntime", "numpy", "pandas", "pyarrow", "redis"})
        self.assertTrue(all("==" in l for l in reqs), reqs)
        readme = open(os.path.join(PKG, "README.md"), encoding="utf-8").read()
        for l in reqs:
            self.assertIn(l.replace("==", " "), readme)


if __name__ == "__main__":
    unittest.main()
