# Exports one of scikit-learn's bundled data sets with a seeded split, and the holdout score of
# HistGradientBoosting (defaults, random_state=0) fitted on the training part, as JSON on stdout.
import json, sys
import numpy as np
from sklearn.datasets import load_diabetes, load_digits, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

name = sys.argv[1]
X, y = {"wine": load_wine, "digits": load_digits, "diabetes": load_diabetes}[name](return_X_y=True)
reg = name == "diabetes"
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=None if reg else y)
if reg:
    m = HistGradientBoostingRegressor(random_state=0).fit(Xtr, ytr)
    score = float(np.sqrt(np.mean((m.predict(Xte) - yte) ** 2)))
else:
    m = HistGradientBoostingClassifier(random_state=0).fit(Xtr, ytr)
    score = float(np.mean(m.predict(Xte) == yte))
print(json.dumps({"p": X.shape[1], "K": 1 if reg else int(y.max()) + 1, "Xtr": Xtr.ravel().tolist(), "ytr": ytr.tolist(), "Xte": Xte.ravel().tolist(), "yte": yte.tolist(), "hgb": score}))
