"""Trains an xgboost model on a matrix dictl hands over and returns what the TreeSHAP checks compare with.

usage: xgb_contribs.py DIR   (DIR/spec.json: {n, p, objective, num_class?, rounds, depth, seed, nthread, time?};
DIR/X.f64, DIR/y.f64: row-major float64, NaN = missing; with "weights": true, DIR/w.f64 the sample weights). Writes DIR/model.json (xgboost's JSON model),
DIR/contribs.f64 (pred_contribs=True: n x (p+1), or n x K x (p+1)), DIR/margin.f64 (output_margin) and
DIR/out.json ({seconds, cpu_seconds}: wall and process CPU time of predict(pred_contribs=True)).
"""
import json, sys, time
import numpy as np
import xgboost as xgb

d = sys.argv[1]
spec = json.load(open(f"{d}/spec.json"))
n, p = spec["n"], spec["p"]
X = np.fromfile(f"{d}/X.f64", dtype=np.float64).reshape(n, p)
y = np.fromfile(f"{d}/y.f64", dtype=np.float64)
params = {"objective": spec["objective"], "max_depth": spec["depth"], "eta": spec.get("eta", 0.3), "seed": spec["seed"],
          "nthread": spec["nthread"], "tree_method": "hist"}
if "num_class" in spec:
    params["num_class"] = spec["num_class"]
w = np.fromfile(f"{d}/w.f64", dtype=np.float64) if spec.get("weights") else None
dm = xgb.DMatrix(X, label=y, weight=w, missing=np.nan, nthread=spec["nthread"])
bst = xgb.train(params, dm, num_boost_round=spec["rounds"])
bst.save_model(f"{d}/model.json")
xs = X[: spec.get("explain_rows", n)]
de = xgb.DMatrix(xs, missing=np.nan, nthread=spec["nthread"])
t0 = time.perf_counter()
c0 = time.process_time()
c = bst.predict(de, pred_contribs=True)
secs = time.perf_counter() - t0
cpu = time.process_time() - c0
np.asarray(c, dtype=np.float64).tofile(f"{d}/contribs.f64")
np.asarray(bst.predict(de, output_margin=True), dtype=np.float64).tofile(f"{d}/margin.f64")
json.dump({"seconds": secs, "cpu_seconds": cpu, "xgboost": xgb.__version__}, open(f"{d}/out.json", "w"))
