"""A document quality classifier that suanli trains itself: hashed character n-grams, logistic regression.

``features`` turns text into sparse hashed n-gram vectors, ``logistic`` fits and applies the model,
``model`` saves and loads it, ``evaluate`` splits data and counts precision and recall. All pure
(numpy only); the ``quality_model`` operator and ``suanli quality`` commands use them.
"""

from suanli.data.classifier.features import FeatureSpec, Sparse, featurize
from suanli.data.classifier.logistic import TrainConfig, train
from suanli.data.classifier.model import QualityModel, load_model, save_model

__all__ = ["FeatureSpec", "QualityModel", "Sparse", "TrainConfig", "featurize", "load_model", "save_model",
           "train"]
