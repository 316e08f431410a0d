"""The tested catalogue of bad inputs.

Project rule: bad input gets a clear error of the project's own exception types,
naming the argument, what is wrong, the first offending row (where there is one)
and what to do. No silent drops, no silent wrong numbers.

Each catalogue entry is ``(call, expected exception class, builtins, substrings)``:

* the call goes through a public function;
* the exception must be the expected fastmetrics class, a
  :class:`~fastmetrics.exceptions.FastMetricsError`, and an instance of every
  builtin listed (the one scikit-learn raises for the same input, so that
  sklearn-style ``except ValueError`` keeps working; ``VT`` where scikit-learn
  raises its ``InvalidParameterError``, which is both);
* the message must start with ``"<argument>:"`` (the first substring), end with
  a full stop, and contain every substring: the argument, the row where there
  is one, and a hint of the fix.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning as SkUndefinedMetricWarning

import fastmetrics as fm
from fastmetrics import exceptions as ex
from fastmetrics.exceptions import (DataSourceError, EmptyInputError, FastMetricsError,
                                    InputTypeError, InvalidInputError, InvalidParameterError,
                                    LabelError, LengthMismatchError, NullsDroppedWarning,
                                    NullValueError)

V = (ValueError,)
T = (TypeError,)
VT = (ValueError, TypeError)

A = np.array([0, 1, 1, 0])
B = np.array([0, 1, 0, 0])
Y3 = np.array([[1, 0, 1], [0, 1, 1]])
P3 = np.array([[1, 0, 0], [0, 1, 1]])
EYE = np.eye(2, dtype=np.int64)
TABLE = pa.table({"y": [0, 1, 1], "p": [0, 1, 0]})
NAN, INF = float("nan"), float("inf")

#: Paths made once per module by the ``_files`` fixture (read lazily by the calls).
FILES: dict = {}


def _reader(*chunks):
    """A RecordBatchReader over int64 chunks: a role whose length is unknown upfront."""
    schema = pa.schema([("y", pa.int64())])
    return pa.RecordBatchReader.from_batches(
        schema, [pa.record_batch([pa.array(c, pa.int64())], schema=schema) for c in chunks])


def case(desc, call, exc, builtins, substrings):
    return pytest.param(call, exc, builtins, substrings, id=desc)


CATALOGUE = [
    # ---------------------------------------------------------------- lengths
    case("length mismatch, numpy",
         lambda: fm.confusion_matrix(A, B[:3]),
         LengthMismatchError, V, ["y_pred", "3 rows", "y_true has 4", "one entry per sample"]),
    case("length mismatch, list",
         lambda: fm.accuracy_score([0, 1, 1], [0, 1]),
         LengthMismatchError, V, ["y_pred", "2 rows", "y_true has 3", "one entry per sample"]),
    case("length mismatch, chunked arrays of different lengths",
         lambda: fm.f1_score(pa.chunked_array([[0, 1], [1, 0]]), pa.chunked_array([[0, 1], [1]])),
         LengthMismatchError, V, ["y_pred", "3 rows", "y_true has 4", "one entry per sample"]),
    case("length mismatch, stream shorter than array (found while reading)",
         lambda: fm.accuracy_score(_reader([0, 1], [1]), np.array([0, 1, 1, 0, 1])),
         LengthMismatchError, V, ["y_true", "ended after 3 rows", "y_pred continues",
                                  "one entry per sample"]),
    case("length mismatch, sample_weight",
         lambda: fm.f1_score(A, B, sample_weight=[1, 2, 3]),
         LengthMismatchError, V, ["sample_weight", "3 rows", "y_true has 4",
                                  "one entry per sample"]),
    case("length mismatch, groups",
         lambda: fm.confusion_state(A, B, groups=["x", "y"]),
         LengthMismatchError, V, ["groups", "2 rows", "one entry per sample"]),
    case("length mismatch, data= dict of columns",
         lambda: fm.precision_score("y", "p", data={"y": [0, 1, 1], "p": [0, 1]}),
         LengthMismatchError, V, ["data['p']", "2 rows", "data['y'] has 3",
                                  "one entry per sample"]),

    # ------------------------------------------------ NaN, inf, non-integral labels
    case("NaN in float y_true",
         lambda: fm.f1_score(np.array([0, 1, NAN, 1.0]), B),
         InvalidInputError, V, ["y_true", "NaN", "row 2", "drop or impute"]),
    case("inf in float y_pred",
         lambda: fm.precision_score(A, np.array([0, 1, INF, 1.0])),
         InvalidInputError, V, ["y_pred", "infinity", "row 2", "drop or impute"]),
    case("NaN in the middle of a later chunk of y_true (global row)",
         lambda: fm.accuracy_score(pa.chunked_array([[0.0, 1.0, 1.0], [0.0, 1.0, NAN, 1.0]]),
                                   np.zeros(7)),
         InvalidInputError, V, ["y_true", "NaN", "row 5", "drop or impute"]),
    case("inf in the middle of a later chunk of y_pred (global row)",
         lambda: fm.confusion_matrix(np.zeros(7), pa.chunked_array([[0.0, 1.0], [1.0, 0.0],
                                                                    [1.0, INF, 1.0]])),
         InvalidInputError, V, ["y_pred", "infinity", "row 5", "drop or impute"]),
    case("NaN after dropped null rows keeps the caller's row number",
         lambda: fm.f1_score(pa.chunked_array([[0.0, None], [1.0, 1.0, NAN, 0.0]]),
                             np.array([0, 1, 1, 0, 1, 0]), drop_nulls=True),
         InvalidInputError, V, ["y_true", "NaN", "row 4", "drop or impute"]),
    case("non-integral float label (sklearn: 'continuous')",
         lambda: fm.f1_score(np.array([0, 0.5, 1, 1]), B),
         LabelError, V, ["y_true", "0.5", "continuous", "row 1", "threshold="]),
    case("non-integral float label in a later chunk of y_pred",
         lambda: fm.accuracy_score(np.zeros(4), pa.chunked_array([[0.0, 1.0], [1.0, 2.25]])),
         LabelError, V, ["y_pred", "2.25", "continuous", "row 3", "threshold="]),
    case("NaN score with threshold=",
         lambda: fm.f1_score(A, np.array([0.1, 0.9, NAN, 0.2]), threshold=0.5),
         InvalidInputError, V, ["y_pred", "NaN", "row 2", "Scores must be finite"]),
    case("inf score in a later chunk with threshold= (global row)",
         lambda: fm.recall_score(np.array([0, 1, 1, 0, 1, 0]),
                                 pa.chunked_array([[0.1, 0.2], [0.3, 0.4, INF, 0.5]]),
                                 threshold=0.5),
         InvalidInputError, V, ["y_pred", "infinity", "row 4", "Scores must be finite"]),
    case("NaN score with threshold= and weights (general counting path)",
         lambda: fm.accuracy_score(A, np.array([0.1, 0.9, 0.3, NAN]), threshold=0.5,
                                   sample_weight=np.ones(4)),
         InvalidInputError, V, ["y_pred", "NaN", "row 3", "Scores must be finite"]),
    case("NaN in groups",
         lambda: fm.confusion_state(A, B, groups=[0.0, NAN, 1.0, 1.0]),
         InvalidInputError, V, ["groups", "NaN", "row 1", "drop or impute"]),

    # ------------------------------------------------------------------- nulls
    case("null in an Arrow array",
         lambda: fm.f1_score(pa.array([0, 1, None, 1]), B),
         NullValueError, V, ["y_true", "null", "row 2", "drop_nulls=True"]),
    case("null in a later chunk of y_pred (global row)",
         lambda: fm.confusion_matrix(A, pa.chunked_array([[0, 1], [1, None]])),
         NullValueError, V, ["y_pred", "null", "row 3", "drop_nulls=True"]),
    case("None in a pandas object Series",
         lambda: fm.f1_score(pd.Series([0, 1, None, 1], dtype=object), B),
         NullValueError, V, ["y_true", "null", "row 2", "drop_nulls=True"]),
    case("None in a numpy object array",
         lambda: fm.f1_score(np.array(["a", "b", None, "a"], dtype=object),
                             np.array(["a", "a", "a", "b"]), pos_label="a"),
         NullValueError, V, ["y_true", "null", "row 2", "drop_nulls=True"]),
    case("None in a Python list",
         lambda: fm.accuracy_score([0, 1, 1, 0], [0, None, 1, 0]),
         NullValueError, V, ["y_pred", "null", "row 1", "drop_nulls=True"]),
    case("<NA> in a pandas Int64 Series",
         lambda: fm.cohen_kappa_score(pd.Series([0, 1, None, 1], dtype="Int64"), B),
         NullValueError, V, ["y_true", "null", "row 2", "drop_nulls=True"]),
    case("null in a polars Series",
         lambda: fm.accuracy_score(A, pl.Series([0, 1, 0, None])),
         NullValueError, V, ["y_pred", "null", "row 3", "drop_nulls=True"]),
    case("masked entry of a numpy masked array",
         lambda: fm.accuracy_score(np.ma.array([0, 1, 1, 0], mask=[0, 0, 0, 1]), B),
         NullValueError, V, ["y_true", "null", "row 3", "drop_nulls=True"]),
    case("null sample_weight",
         lambda: fm.f1_score(A, B, sample_weight=pa.array([1, None, 1, 1])),
         NullValueError, V, ["sample_weight", "null", "row 1", "drop_nulls=True"]),
    case("null score with threshold=",
         lambda: fm.f1_score(A, pa.array([0.1, None, 0.7, 0.2]), threshold=0.5),
         NullValueError, V, ["y_pred", "null", "row 1", "drop_nulls=True"]),
    case("null in a data= table column",
         lambda: fm.accuracy_score("y", "p", data=pa.table({"y": [0, None, 1], "p": [0, 1, 1]})),
         NullValueError, V, ["data['y']", "null", "row 1", "drop_nulls=True"]),
    case("null row of a multilabel fixed-size-list array",
         lambda: fm.multilabel_confusion_matrix(
             pa.array([[1, 0], None, [0, 1]], pa.list_(pa.int64(), 2)), np.eye(3, 2, dtype=int)),
         NullValueError, V, ["y_true", "null", "row 1", "drop_nulls=True"]),

    # ------------------------------------------------------------------ shapes
    case("column vector (n, 1) where 1-D labels are expected",
         lambda: fm.confusion_matrix(A.reshape(-1, 1), B),
         InputTypeError, V, ["y_true", "(4, 1)", "ravel"]),
    case("(n, 3) y_true for confusion_matrix",
         lambda: fm.confusion_matrix(np.zeros((4, 3), int), B),
         InputTypeError, V, ["y_true", "2-D", "multilabel_confusion_matrix"]),
    case("(n, 3) y_pred for confusion_matrix",
         lambda: fm.confusion_matrix(A, np.zeros((4, 3), int)),
         InputTypeError, V, ["y_pred", "2-D", "multilabel_confusion_matrix"]),
    case("multilabel target for confusion_matrix",
         lambda: fm.confusion_matrix(Y3, P3),
         InputTypeError, V, ["y_true", "multilabel", "1-D labels"]),
    case("multilabel target for cohen_kappa_score",
         lambda: fm.cohen_kappa_score(Y3, P3),
         InputTypeError, V, ["y_true", "multilabel", "1-D labels"]),
    case("3-D input",
         lambda: fm.f1_score(np.zeros((4, 2, 2), int), B),
         InputTypeError, V, ["y_true", "(4, 2, 2)", "one value per sample"]),
    case("3-D input for a multilabel role",
         lambda: fm.multilabel_confusion_matrix(np.zeros((2, 2, 2), int), Y3[:, :2]),
         InputTypeError, V, ["y_true", "(2, 2, 2)", "indicators per sample"]),
    case("scalar input",
         lambda: fm.f1_score(1, B),
         InputTypeError, VT, ["y_true", "1-D array-like", "one value per sample"]),
    case("0-d numpy array",
         lambda: fm.accuracy_score(A, np.array(1)),
         InputTypeError, VT, ["y_pred", "scalar", "one value per sample"]),
    case("a string as the whole array",
         lambda: fm.f1_score("0110", B),
         InputTypeError, VT, ["y_true", "str", "one value per sample", "data="]),
    case("None as y_pred",
         lambda: fm.f1_score([0, 1], None),
         InputTypeError, VT, ["y_pred", "None", "one label per sample"]),
    case("a set is not a sequence",
         lambda: fm.accuracy_score({0, 1}, [1, 0]),
         InputTypeError, VT, ["y_true", "set", "one value per sample"]),
    case("ragged nested list",
         lambda: fm.accuracy_score([[0, 1], [1]], [1, 0]),
         InputTypeError, V, ["y_true", "cannot be read as an array", "one value per sample"]),
    case("2-D sample_weight",
         lambda: fm.f1_score(A, B, sample_weight=np.ones((4, 2))),
         InputTypeError, V, ["sample_weight", "(4, 2)"]),
    case("scipy.sparse sample_weight",
         lambda: fm.accuracy_score([0, 1], [0, 1], sample_weight=sp.csr_matrix(np.eye(2))),
         InputTypeError, V, ["sample_weight", "sparse", "toarray"]),
    case("DataFrame of two columns for a 1-D role",
         lambda: fm.accuracy_score([0, 1], [0, 1],
                                   sample_weight=pd.DataFrame({"a": [0, 1], "b": [1, 0]})),
         InputTypeError, V, ["sample_weight", "DataFrame with 2 columns", "Select one column"]),
    case("multilabel y_true with 1-D y_pred",
         lambda: fm.accuracy_score(np.eye(3, dtype=int), [0, 1, 2]),
         InputTypeError, V, ["y_pred", "2-D 0/1 indicator", "both as 1-D labels"]),
    case("multilabel indicators of strings",
         lambda: fm.multilabel_confusion_matrix(np.array([["a", "b"], ["b", "a"]]), EYE),
         InputTypeError, V, ["y_true", "must be numeric", "dtype=float"]),

    # ------------------------------------------------------------------ labels=
    case("confusion_matrix labels= with none in y_true",
         lambda: fm.confusion_matrix(A, B, labels=[5, 6]),
         LabelError, V, ["labels", "[5, 6]", "must be in y_true"]),
    case("confusion_matrix labels=[]",
         lambda: fm.confusion_matrix(A, B, labels=[]),
         LabelError, V, ["labels", "empty", "labels=None"]),
    case("labels of the wrong type (strings for int data), confusion_matrix",
         lambda: fm.confusion_matrix(A, B, labels=["a", "b"]),
         LabelError, V, ["labels", "'a'", "same type as y_true"]),
    case("labels of the wrong type (strings for int data), f1_score",
         lambda: fm.f1_score(A, B, labels=["a", "b"], average="macro"),
         LabelError, V, ["labels", "'a'", "same type as y_true"]),
    case("labels of the wrong type (ints for string data), classification_report",
         lambda: fm.classification_report(["a", "b"], ["a", "a"], labels=[0, 1]),
         LabelError, V, ["labels", "['a', 'b']", "same type as y_true"]),
    case("labels listing a label twice (confusion_matrix)",
         lambda: fm.confusion_matrix(A, B, labels=[0, 0, 1]),
         LabelError, V, ["labels", "0", "more than once", "List each label once"]),
    case("labels listing a label twice (cohen_kappa_score)",
         lambda: fm.cohen_kappa_score(A, B, labels=[1, 0, 1]),
         LabelError, V, ["labels", "1", "more than once", "List each label once"]),
    case("cohen_kappa_score labels= with none in y1",
         lambda: fm.cohen_kappa_score(A, B, labels=[5]),
         LabelError, V, ["labels", "must be present in `y1`"]),
    case("labels= as a scalar",
         lambda: fm.f1_score(A, B, labels=1, average="macro"),
         InvalidParameterError, VT, ["labels", "1-D list"]),
    case("labels= 2-D",
         lambda: fm.confusion_matrix(A, B, labels=[[0, 1]]),
         InvalidParameterError, VT, ["labels", "1-D list"]),
    case("multilabel labels out of range",
         lambda: fm.multilabel_confusion_matrix(Y3, P3, labels=[0, 5]),
         LabelError, V, ["labels", "[0, n labels)", "5 > 2"]),
    case("multilabel labels negative",
         lambda: fm.f1_score(Y3, P3, labels=[-1, 0], average="macro"),
         LabelError, V, ["labels", "[0, n labels)", "-1 < 0"]),
    case("multilabel labels out of range with average='samples'",
         lambda: fm.f1_score(Y3, P3, labels=[3], average="samples"),
         LabelError, V, ["labels", "[0, n labels)", "[3]"]),
    case("multilabel labels out of range with samplewise=True",
         lambda: fm.multilabel_confusion_matrix(Y3, P3, labels=[3], samplewise=True),
         LabelError, V, ["labels", "[0, n labels)", "3 > 2"]),
    case("multilabel labels not integers (0.5 was silently read as column 0)",
         lambda: fm.multilabel_confusion_matrix(Y3, P3, labels=[0.5]),
         LabelError, V, ["labels", "integer column indices", "labels=[0, 2]"]),
    case("multilabel labels strings with average='samples'",
         lambda: fm.precision_score(Y3, P3, labels=["a"], average="samples"),
         LabelError, V, ["labels", "integer column indices", "labels=[0, 2]"]),
    case("classification_report target_names of the wrong size",
         lambda: fm.classification_report(A, B, target_names=["x"]),
         LabelError, V, ["target_names", "2", "1", "labels parameter"]),

    # ------------------------------------------------------------ mixed types
    case("int y_true, string y_pred",
         lambda: fm.f1_score(A, np.array(["0", "1", "0", "0"])),
         LabelError, V, ["y_true and y_pred", "mix label types", "both as strings"]),
    case("bool y_true, string y_pred",
         lambda: fm.accuracy_score([True, False], ["a", "b"]),
         LabelError, V, ["y_true and y_pred", "mix label types", "both as strings"]),
    # scikit-learn crashes here with a raw TypeError from sorting; its own error for
    # mixed label types ("Mix of label input types") is a ValueError.
    case("object array mixing str and int",
         lambda: fm.f1_score(np.array([0, "a", 1, 0], dtype=object), B),
         LabelError, V, ["y_true", "int and str", "row 1", "dtype=str"]),
    case("list mixing int and str",
         lambda: fm.confusion_matrix([0, 1, "2"], [0, 1, 1]),
         LabelError, V, ["y_true", "int and str", "row 2", "dtype=str"]),
    case("NaN as missing value among string labels",
         lambda: fm.accuracy_score(np.array(["a", NAN, "b"], dtype=object), ["a", "a", "b"]),
         LabelError, V, ["y_true", "float NaN", "row 1", "None", "drop_nulls=True"]),
    case("uint64 labels above 2**63 - 1 mixed with negative labels",
         lambda: fm.confusion_matrix(np.array([2**63 + 5, 0], np.uint64), np.array([0, -1])),
         LabelError, V, ["y_true and y_pred", "uint64", "as strings"]),
    case("complex labels",
         lambda: fm.f1_score(np.array([1j, 0]), np.array([0, 1j])),
         InputTypeError, V, ["y_true", "complex128", "integer, floating, boolean or string"]),
    case("datetime labels",
         lambda: fm.accuracy_score(np.array(["2020-01-01"] * 2, dtype="M8[D]"), [0, 1]),
         InputTypeError, V, ["y_true", "datetime64", "integer, floating, boolean or string"]),
    case("Arrow list column as labels",
         lambda: fm.accuracy_score(pa.array([[0], [1]]), [0, 1]),
         InputTypeError, V, ["y_true", "list<item: int64>", "cast the column"]),

    # ----------------------------------------------------------------- weights
    case("negative weight",
         lambda: fm.accuracy_score(A, B, sample_weight=[1, -1, 1, 1]),
         InvalidInputError, V, ["sample_weight", "negative", "row 1", "non-negative"]),
    case("NaN weight",
         lambda: fm.accuracy_score(A, B, sample_weight=[1, NAN, 1, 1]),
         InvalidInputError, V, ["sample_weight", "NaN", "row 1", "finite and non-negative"]),
    case("inf weight in a later chunk (global row)",
         lambda: fm.f1_score(A, B, sample_weight=pa.chunked_array([[1.0, 1.0], [1.0, INF]])),
         InvalidInputError, V, ["sample_weight", "infinity", "row 3", "finite and non-negative"]),
    case("negative weight of a multilabel target",
         lambda: fm.multilabel_confusion_matrix(EYE, EYE, sample_weight=[1, -2]),
         InvalidInputError, V, ["sample_weight", "negative", "row 1", "non-negative"]),
    case("non-numeric weights",
         lambda: fm.f1_score(A, B, sample_weight=["a", "b", "c", "d"]),
         InputTypeError, T, ["sample_weight", "numeric", "dtype=float"]),
    case("numbers written as strings as weights",
         lambda: fm.precision_score(A, B, sample_weight=np.array(["1", "2", "3", "4"])),
         InputTypeError, T, ["sample_weight", "numeric", "dtype=float"]),
    case("complex weights",
         lambda: fm.f1_score(A, B, sample_weight=np.ones(4, complex)),
         InputTypeError, V, ["sample_weight", "complex128"]),
    case("object weights mixing int and str",
         lambda: fm.accuracy_score(A, B, sample_weight=np.array([1, "x", 1, 1], dtype=object)),
         LabelError, V, ["sample_weight", "int and str", "row 1"]),
    case("scalar sample_weight",
         lambda: fm.f1_score(A, B, sample_weight=2.0),
         InputTypeError, VT, ["sample_weight", "1-D array-like", "one value per sample"]),
    case("all-zero weights, accuracy_score (sklearn < 1.8: ZeroDivisionError)",
         lambda: fm.accuracy_score(A, B, sample_weight=np.zeros(4)),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),
    case("all-zero integer weights, accuracy_score(normalize=False)",
         lambda: fm.accuracy_score(A, B, sample_weight=[0, 0, 0, 0], normalize=False),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),
    case("all-zero weights, balanced_accuracy_score (was NaN)",
         lambda: fm.balanced_accuracy_score(A, B, sample_weight=np.zeros(4)),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),
    case("all-zero weights, matthews_corrcoef (was 0.0)",
         lambda: fm.matthews_corrcoef(A, B, sample_weight=np.zeros(4)),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),
    case("all-zero weights, f1_score",
         lambda: fm.f1_score(A, B, sample_weight=np.zeros(4)),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),
    case("all-zero weights, confusion_matrix(normalize='all')",
         lambda: fm.confusion_matrix(A, B, sample_weight=np.zeros(4), normalize="all"),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),
    case("all-zero weights, multilabel accuracy",
         lambda: fm.accuracy_score(EYE, EYE, sample_weight=[0, 0]),
         InvalidInputError, V, ["sample_weight", "sums to zero", "positive weight"]),

    # ------------------------------------------------------------------- empty
    case("empty numpy arrays",
         lambda: fm.f1_score(np.array([], int), np.array([], int)),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("empty lists, confusion_matrix",
         lambda: fm.confusion_matrix([], []),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("empty Arrow arrays",
         lambda: fm.accuracy_score(pa.array([], pa.int64()), pa.array([], pa.int64())),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("empty table via data=",
         lambda: fm.accuracy_score("t", "p", data=pa.table({"t": pa.array([], pa.int64()),
                                                            "p": pa.array([], pa.int64())})),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("empty input, cohen_kappa_score names y1",
         lambda: fm.cohen_kappa_score([], []),
         EmptyInputError, V, ["y1", "empty", "at least one row"]),
    case("empty input, classification_report",
         lambda: fm.classification_report([], []),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("empty input with threshold=",
         lambda: fm.f1_score(np.array([], int), np.array([]), threshold=0.5),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("empty multilabel input",
         lambda: fm.multilabel_confusion_matrix(np.zeros((0, 3), int), np.zeros((0, 3), int)),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),
    case("every row dropped by drop_nulls=True",
         lambda: fm.f1_score(pa.array([None, None], pa.int64()), [0, 1], drop_nulls=True),
         EmptyInputError, V, ["y_true", "empty", "at least one row"]),

    # -------------------------------------------------------------- parameters
    case("unknown average",
         lambda: fm.f1_score(A, B, average="mean"),
         InvalidParameterError, VT, ["average", "'mean'", "'macro'"]),
    case("unknown zero_division",
         lambda: fm.f1_score(A, B, zero_division=2),
         InvalidParameterError, VT, ["zero_division", "got 2", '"warn", 0.0, 1.0']),
    case("unknown zero_division string",
         lambda: fm.classification_report(A, B, zero_division="ignore"),
         InvalidParameterError, VT, ["zero_division", "'ignore'", '"warn", 0.0, 1.0']),
    case("unknown confusion_matrix normalize",
         lambda: fm.confusion_matrix(A, B, normalize="rows"),
         InvalidParameterError, VT, ["normalize", "'rows'", "'true', 'pred', 'all' or None"]),
    case("accuracy_score normalize not a bool",
         lambda: fm.accuracy_score(A, B, normalize="true"),
         InvalidParameterError, VT, ["normalize", "'true'", "True or False"]),
    case("accuracy_score normalize=1",
         lambda: fm.accuracy_score(A, B, normalize=1),
         InvalidParameterError, VT, ["normalize", "got 1", "True or False"]),
    case("unknown cohen_kappa_score weights",
         lambda: fm.cohen_kappa_score(A, B, weights="cubic"),
         InvalidParameterError, VT, ["weights", "'cubic'", "'linear' or 'quadratic'"]),
    case("cohen_kappa_score replace_undefined_by out of range",
         lambda: fm.cohen_kappa_score(A, B, replace_undefined_by=2),
         InvalidParameterError, VT, ["replace_undefined_by", "got 2", "[-1, 1]"]),
    case("negative beta",
         lambda: fm.fbeta_score(A, B, beta=-1),
         InvalidParameterError, VT, ["beta", "-1", "non-negative real number"]),
    case("NaN beta",
         lambda: fm.fbeta_score(A, B, beta=NAN),
         InvalidParameterError, VT, ["beta", "nan", "non-negative real number"]),
    case("negative digits",
         lambda: fm.classification_report(A, B, digits=-1),
         InvalidParameterError, VT, ["digits", "-1", "non-negative integer"]),
    case("float digits",
         lambda: fm.classification_report(A, B, digits=2.5),
         InvalidParameterError, VT, ["digits", "2.5", "non-negative integer"]),
    case("drop_nulls not a bool ('no' is truthy)",
         lambda: fm.f1_score(A, B, drop_nulls="no"),
         InvalidParameterError, VT, ["drop_nulls", "'no'", "True or False"]),
    case("samplewise=True on 1-D labels",
         lambda: fm.multilabel_confusion_matrix(A, B, samplewise=True),
         InvalidParameterError, V, ["samplewise", "multilabel"]),
    case("samplewise=True with data= (per-row output needs the rows)",
         lambda: fm.multilabel_confusion_matrix(Y3, P3, samplewise=True, drop_nulls=True),
         InvalidParameterError, V, ["samplewise", "drop_nulls", "in memory"]),

    # -------------------------------------------------- pos_label and average
    case("pos_label not present in a binary target",
         lambda: fm.f1_score(A, B, pos_label=2),
         LabelError, V, ["pos_label", "=2", "should be one of [0, 1]"]),
    case("default pos_label=1 with string labels",
         lambda: fm.precision_score(["a", "b", "a"], ["a", "a", "b"]),
         LabelError, V, ["pos_label", "=1", "should be one of ['a', 'b']"]),
    case("average='binary' on a multiclass target",
         lambda: fm.f1_score([0, 1, 2], [0, 1, 1]),
         InvalidParameterError, V, ["average", "multiclass", "'binary'", "'macro'"]),
    case("average='samples' on a multiclass target",
         lambda: fm.recall_score([0, 1, 2], [0, 1, 1], average="samples"),
         InvalidParameterError, V, ["average", "multilabel", "accuracy_score"]),

    # ---------------------------------------------------------------- threshold=
    case("threshold= with a multiclass y_true",
         lambda: fm.f1_score([0, 1, 2, 1], [0.1, 0.5, 0.7, 0.9], threshold=0.5),
         LabelError, V, ["y_true", "[0, 1, 2]", "binary", "pos_label="]),
    case("threshold= with string scores",
         lambda: fm.f1_score(A, np.array(["a", "b", "c", "d"]), threshold=0.5),
         InputTypeError, V, ["y_pred", "numeric scores", "probability of the positive class"]),
    case("threshold= with pos_label of the wrong type (str for int labels)",
         lambda: fm.f1_score(A, [0.1, 0.5, 0.7, 0.9], threshold=0.5, pos_label="1"),
         LabelError, V, ["pos_label", "'1'", "does not match", "Pass one of those"]),
    case("threshold= with pos_label of the wrong type (int for string labels)",
         lambda: fm.confusion_matrix(["n", "y", "y", "n"], [0.1, 0.5, 0.7, 0.9], threshold=0.5),
         LabelError, V, ["pos_label", "=1", "['n', 'y']", "Pass one of those"]),
    case("threshold= with pos_label absent from a binary y_true",
         lambda: fm.accuracy_score(A, [0.1, 0.5, 0.7, 0.9], threshold=0.5, pos_label=2),
         LabelError, V, ["y_true", "[0, 1]", "pos_label=2", "Pass pos_label="]),
    case("threshold= with NaN threshold",
         lambda: fm.f1_score(A, [0.1, 0.5, 0.7, 0.9], threshold=NAN),
         InvalidParameterError, VT, ["threshold", "NaN", "threshold=0.5"]),
    case("threshold= not a number",
         lambda: fm.f1_score(A, [0.1, 0.5, 0.7, 0.9], threshold="high"),
         InvalidParameterError, VT, ["threshold", "'high'", "threshold=0.5"]),
    case("threshold= with labels= of three classes",
         lambda: fm.confusion_state(A, np.array([0.1, 0.6, 0.7, 0.2]), threshold=0.5,
                                    labels=[0, 1, 2]),
         LabelError, V, ["labels", "exactly two", "labels=[negative, positive]"]),
    case("threshold= with a y_true class outside labels=",
         lambda: fm.confusion_state(np.array([0, 1, 2, 0]), np.array([0.1, 0.6, 0.7, 0.2]),
                                    threshold=0.5, labels=[0, 1]),
         LabelError, V, ["y_true", "holds 2", "must be binary"]),
    case("threshold= where y_true does not show the negative class",
         lambda: fm.confusion_state(np.array([5, 5, 5]), np.array([0.1, 0.6, 0.7]),
                                    threshold=0.5, pos_label=5),
         LabelError, V, ["y_true", "negative class", "labels=[negative, positive]"]),
    case("threshold= with a multilabel target",
         lambda: fm.f1_score(np.eye(3, dtype=int), np.eye(3), threshold=0.5),
         InputTypeError, V, ["threshold", "multilabel", "Threshold the indicator scores"]),

    # -------------------------------------------------------------- multilabel
    case("multilabel indicator value 2",
         lambda: fm.multilabel_confusion_matrix(np.array([[1, 0], [0, 2]]), EYE),
         LabelError, V, ["y_true", "2", "indicator column 1", "row 1", "Binarize"]),
    case("multilabel indicator value 0.5 in y_pred",
         lambda: fm.f1_score(EYE, np.array([[1, 0], [0, 0.5]]), average="micro"),
         LabelError, V, ["y_pred", "0.5", "indicator column 1", "row 1", "Binarize"]),
    case("multilabel indicator NaN",
         lambda: fm.accuracy_score(np.array([[1, 0], [NAN, 0], [0, 1]]), np.eye(3, 2)),
         LabelError, V, ["y_true", "nan", "indicator column 0", "row 1", "Binarize"]),
    case("multilabel different number of columns",
         lambda: fm.f1_score(np.ones((2, 3), int), np.ones((2, 2), int), average="micro"),
         InputTypeError, V, ["y_true and y_pred", "3 and 2", "same label columns"]),

    # ------------------------------------------------------------------- data=
    case("data= missing column lists the available ones",
         lambda: fm.f1_score("label", "p", data=TABLE),
         InvalidInputError, V, ["data['label']", "no column 'label'", "available: 'y', 'p'",
                                "Pass one of the available column names"]),
    case("data= missing column suggests a close name",
         lambda: fm.confusion_matrix("lable", "p", data={"label": [0, 1], "p": [0, 1]}),
         InvalidInputError, V, ["data['lable']", "'label', 'p'", "Did you mean 'label'?"]),
    case("data= missing column in a pandas DataFrame",
         lambda: fm.accuracy_score("y", "pred", data=pd.DataFrame({"y": [0, 1], "p": [0, 1]})),
         InvalidInputError, V, ["data['pred']", "available: 'y', 'p'",
                                "available column names"]),
    case("data= missing sample_weight column",
         lambda: fm.f1_score("y", "p", sample_weight="w", data=TABLE),
         InvalidInputError, V, ["data['w']", "available: 'y', 'p'", "available column names"]),
    case("data= missing column of a Parquet file",
         lambda: fm.accuracy_score("label", "p", data=FILES["parquet"]),
         InvalidInputError, V, ["data['label']", "available: 'y', 'p'", "available column"]),
    case("data= non-existent path",
         lambda: fm.f1_score("y", "p", data="/nonexistent/dir/file.parquet"),
         DataSourceError, (ValueError, FileNotFoundError),
         ["data", "no such file", "/nonexistent/dir/file.parquet", "Check the path"]),
    case("data= directory without data files",
         lambda: fm.f1_score("y", "p", data=FILES["empty_dir"]),
         DataSourceError, (ValueError, FileNotFoundError), ["data", "holds no .parquet"]),
    case("data= corrupt Parquet file",
         lambda: fm.accuracy_score("y", "p", data=FILES["corrupt"]),
         InvalidInputError, V, ["data", "cannot read", "parquet", "Check the file"]),
    case("data= file of unknown format",
         lambda: fm.accuracy_score("y", "p", data=FILES["txt"]),
         InputTypeError, V, ["data", "format", ".parquet", "pyarrow Table"]),
    case("data= with a numpy array instead of a column name",
         lambda: fm.f1_score(np.array([0, 1, 1]), "p", data=TABLE),
         InputTypeError, VT, ["y_true", "column name", "leave data= out"]),
    case("data= with an int column spec",
         lambda: fm.accuracy_score("y", 1, data=TABLE),
         InputTypeError, VT, ["y_pred", "column name (str)", "y_pred='column_name'"]),
    case("data= of an unsupported type",
         lambda: fm.accuracy_score("y", "p", data=42),
         InputTypeError, VT, ["data", "builtins.int", "pyarrow Table"]),
    case("data= column of an unsupported Arrow type",
         lambda: fm.accuracy_score("y", "p", data=pa.table({"y": [[0], [1]], "p": [1, 0]})),
         InputTypeError, V, ["data['y']", "list<item: int64>", "cast the column"]),
]


@pytest.fixture(scope="module", autouse=True)
def _files(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    pq.write_table(TABLE, root / "t.parquet")
    (root / "corrupt.parquet").write_text("garbage")
    (root / "t.txt").write_text("y,p\n0,1\n")
    (root / "empty").mkdir()
    FILES.update(parquet=str(root / "t.parquet"), corrupt=str(root / "corrupt.parquet"),
                 txt=str(root / "t.txt"), empty_dir=str(root / "empty"))
    yield
    FILES.clear()


def test_catalogue_is_large():
    assert len(CATALOGUE) >= 40


@pytest.mark.parametrize("call, exc, builtins, substrings", CATALOGUE)
def test_bad_input(call, exc, builtins, substrings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. NullsDroppedWarning on the way to the error
        with pytest.raises(exc) as info:
            call()
    err = info.value
    assert type(err).__module__ == "fastmetrics.exceptions", type(err)
    assert isinstance(err, FastMetricsError)
    for builtin in builtins:
        assert isinstance(err, builtin), f"{type(err).__name__} is not a {builtin.__name__}"
    msg = str(err)
    argument = substrings[0]
    assert msg.startswith(f"{argument}:"), f"message does not start with {argument!r}: {msg}"
    assert msg.endswith("."), msg
    for part in substrings:
        assert part in msg, f"{part!r} not in {msg!r}"


# ---------------------------------------------------------------------------
# drop_nulls=True: the right answer, and a warning that says how many rows
# ---------------------------------------------------------------------------

Y_NULL = [0, 1, None, 1, None, 0]
P_FULL = [0, 1, 0, 0, 1, 1]
KEEP = [i for i, v in enumerate(Y_NULL) if v is not None]

DROP_CASES = [
    pytest.param(pa.array(Y_NULL), id="arrow"),
    pytest.param(pa.chunked_array([Y_NULL[:3], Y_NULL[3:]]), id="chunked"),
    pytest.param(pd.Series(Y_NULL, dtype=object), id="pandas-object"),
    pytest.param(pd.Series(Y_NULL, dtype="Int64"), id="pandas-Int64"),
    pytest.param(np.array(Y_NULL, dtype=object), id="numpy-object"),
    pytest.param(Y_NULL, id="list"),
    pytest.param(pl.Series(Y_NULL), id="polars"),
]


@pytest.mark.parametrize("y_true", DROP_CASES)
def test_drop_nulls_answers_and_warns(y_true):
    yt = np.array([Y_NULL[i] for i in KEEP])
    yp = np.array([P_FULL[i] for i in KEEP])
    with pytest.warns(NullsDroppedWarning, match=r"dropped 2 row\(s\)"):
        got = fm.f1_score(y_true, P_FULL, drop_nulls=True)
    assert got == skm.f1_score(yt, yp)
    with pytest.warns(NullsDroppedWarning, match=r"dropped 2 row\(s\)"):
        cm = fm.confusion_matrix(y_true, np.array(P_FULL), drop_nulls=True)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(yt, yp))
    with pytest.raises(NullValueError, match=r"y_true: contains null values \(first at row 2\)"):
        fm.f1_score(y_true, P_FULL)


def test_drop_nulls_union_over_roles_and_state_count():
    """Rows null in any role go, each counted once; the state remembers how many."""
    y = pa.array([0, 1, None, 1, 0])
    p = pa.array([0, None, None, 1, 1])
    w = pa.array([1.0, 2.0, 3.0, None, 1.0])
    with pytest.warns(NullsDroppedWarning, match=r"dropped 3 row\(s\)"):
        state = fm.confusion_state(y, p, sample_weight=w, drop_nulls=True)
    assert state.n_dropped == 3
    with pytest.warns(NullsDroppedWarning, match=r"dropped 3 row\(s\)"):
        got = fm.accuracy_score(y, p, sample_weight=w, drop_nulls=True)
    assert got == skm.accuracy_score([0, 0], [0, 1], sample_weight=[1.0, 1.0])


def test_drop_nulls_with_data_table():
    table = pa.table({"y": [0, None, 1, 1], "p": [0, 1, None, 1]})
    with pytest.warns(NullsDroppedWarning, match=r"dropped 2 row\(s\)"):
        got = fm.accuracy_score("y", "p", data=table, drop_nulls=True)
    assert got == 1.0


def test_no_warning_when_nothing_dropped():
    with warnings.catch_warnings():
        warnings.simplefilter("error", NullsDroppedWarning)
        assert fm.accuracy_score(pa.array([0, 1]), [0, 1], drop_nulls=True) == 1.0


# ---------------------------------------------------------------------------
# fixes that change answers: make sure the good neighbours still work
# ---------------------------------------------------------------------------

def test_uint64_labels_beyond_int64_keep_their_values():
    big = 2**63 + 5
    state = fm.confusion_state(np.array([big, 0], np.uint64), np.array([0, 1]))
    assert state.classes.dtype == np.uint64
    assert state.classes.tolist() == [0, 1, big]
    np.testing.assert_array_equal(
        fm.confusion_matrix(np.array([big, 0], np.uint64), np.array([0, big], np.uint64)),
        [[0, 1], [1, 0]])


@pytest.mark.parametrize("metric", ["f1_score", "precision_score", "recall_score",
                                    "jaccard_score"])
def test_default_pos_label_on_one_class_string_target_is_not_a_labels_error(metric):
    """pos_label=1 absent from a one-class target of strings scores 0 as in sklearn.

    It used to raise a LabelError about ``labels``, an argument never passed.
    """
    with pytest.warns(fm.UndefinedMetricWarning):
        got = getattr(fm, metric)(["a", "a"], ["a", "a"])
    with pytest.warns(SkUndefinedMetricWarning):
        expected = getattr(skm, metric)(["a", "a"], ["a", "a"])
    assert got == expected == 0.0


def test_partly_zero_weights_are_fine():
    w = np.array([0.0, 1.0, 0.0, 2.0])
    assert fm.f1_score(A, B, sample_weight=w) == skm.f1_score(A, B, sample_weight=w)
    assert fm.accuracy_score(A, B, sample_weight=w) == skm.accuracy_score(A, B, sample_weight=w)


def test_zero_weight_chunk_still_merges():
    """A chunk whose weights are all zero is a valid partial state; only the total counts."""
    part = fm.confusion_state(A, B, sample_weight=np.zeros(4))
    rest = fm.confusion_state(A, B, sample_weight=np.ones(4))
    assert fm.accuracy_score.from_state(part.merge(rest)) == skm.accuracy_score(A, B)
    with pytest.raises(InvalidInputError, match="sums to zero"):
        fm.accuracy_score.from_state(part)


# ---------------------------------------------------------------------------
# exception types and import hygiene
# ---------------------------------------------------------------------------

EXPECTED_BASES = {
    "FastMetricsError": (Exception,),
    "InvalidInputError": (ValueError,),
    "InputTypeError": (TypeError, ValueError),
    "InvalidParameterError": (ValueError, TypeError),
    "NullValueError": (InvalidInputError, ValueError),
    "LengthMismatchError": (InvalidInputError, ValueError),
    "EmptyInputError": (InvalidInputError, ValueError),
    "LabelError": (InvalidInputError, ValueError),
    "DataSourceError": (InvalidInputError, ValueError, FileNotFoundError),
    "StateMergeError": (ValueError,),
    "StateFormatError": (InvalidInputError, ValueError),
    "MissingDependencyError": (ImportError,),
}


def test_exception_hierarchy():
    errors = [n for n in ex.__all__ if isinstance(getattr(ex, n), type)
              and issubclass(getattr(ex, n), BaseException)
              and not issubclass(getattr(ex, n), Warning)]
    assert sorted(errors) == sorted(EXPECTED_BASES), "update EXPECTED_BASES"
    for name in errors:
        cls = getattr(ex, name)
        assert issubclass(cls, FastMetricsError), name
        for base in EXPECTED_BASES[name]:
            assert issubclass(cls, base), f"{name} is not a {base.__name__}"
        if name not in ("FastMetricsError", "MissingDependencyError"):
            assert issubclass(cls, (ValueError, TypeError)), name
    for name in ("UndefinedMetricWarning", "NullsDroppedWarning"):
        cls = getattr(ex, name)
        assert issubclass(cls, UserWarning) and not issubclass(cls, FastMetricsError)
    assert fm.FastMetricsError is FastMetricsError


def test_format_message_shape():
    assert ex.format_message("y_pred", "contains NaN", row=17, fix="Drop those rows.") == \
        "y_pred: contains NaN (first at row 17). Drop those rows."
    assert ex.format_message("average", "is unknown") == "average: is unknown."


def test_import_does_not_pull_heavy_or_optional_modules():
    code = ("import sys, fastmetrics\n"
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'cupy', 'dask', "
            "'matplotlib', 'torch', 'jax', 'sklearn', 'pandas', 'polars'})\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"import fastmetrics imported: {out.stdout.strip()}"
