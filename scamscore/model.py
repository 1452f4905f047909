"""The classifier and the full scoring pipeline.

`CalibratedLinearClassifier` is a logistic regression whose decision values are calibrated
with Platt's sigmoid, fitted on out-of-fold predictions, and then folded back into the
weights. The result is still one linear model, so every feature's contribution
(weight x value) is an exact, additive share of the calibrated log-odds.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from scamscore.features import SignalExtractor, WordingVectorizer


class CalibratedLinearClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression + Platt calibration folded into `coef_` and `intercept_`."""

    def __init__(self, C: float = 1.0, cv: int = 5, class_weight: str | None = "balanced",
                 random_state: int = 0) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.random_state = random_state

    def _base(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000,
                                  solver="liblinear", random_state=self.random_state)

    def fit(self, X, y, groups=None) -> CalibratedLinearClassifier:
        y = np.asarray(y).astype(int)
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("labels must contain both 0 (legitimate) and 1 (scam)")
        if groups is not None:
            splits = GroupKFold(n_splits=self.cv).split(X, y, groups)
        else:
            splits = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state).split(X, y)
        oof = np.zeros(len(y))
        for train, test in splits:
            oof[test] = self._base().fit(X[train], y[train]).decision_function(X[test])
        platt = LogisticRegression(C=1e4, solver="lbfgs").fit(oof.reshape(-1, 1), y)
        a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        base = self._base().fit(X, y)
        self.coef_ = a * base.coef_
        self.intercept_ = a * base.intercept_ + b
        self.platt_ = (a, b)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return np.asarray(X @ self.coef_.ravel()).ravel() + self.intercept_[0]

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)


def build_pipeline(C: float = 1.0, ngram_range: tuple[int, int] = (2, 4),
                   n_features: int = 2**18, random_state: int = 0) -> Pipeline:
    """Signals + wording -> calibrated linear classifier."""
    return Pipeline([
        ("features", FeatureUnion([
            ("signals", SignalExtractor()),
            ("wording", WordingVectorizer(n_features=n_features, ngram_range=ngram_range)),
        ])),
        ("classifier", CalibratedLinearClassifier(C=C, random_state=random_state)),
    ])
