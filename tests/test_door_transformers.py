"""ConfusionMatrixCallback on real `transformers.Trainer` runs with a tiny BERT built from a config.

Every logged step is compared with what `trainer.predict` returns for the same model at that moment.
"""

import glob
import os

import numpy as np
import pytest
import torch

transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")  # the Trainer needs it (transformers[torch])
from transformers import (BertConfig, BertForSequenceClassification, BertForTokenClassification,  # noqa: E402
                          Trainer, TrainerCallback, TrainingArguments)
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion import groups  # noqa: E402
from tb_confusion.transformers import ConfusionMatrixCallback  # noqa: E402

NAMES = ["cat", "dog", "eel"]
STEPS_PER_EPOCH = 4  # 64 training examples, batches of 16


class Tokens(torch.utils.data.Dataset):
    """Random token ids; the class is the first token modulo 3 (learnable, but barely in 2 epochs)."""

    def __init__(self, n, seed, token_labels=False):
        rng = np.random.default_rng(seed)
        self.input_ids = rng.integers(5, 100, size=(n, 12))
        if token_labels:  # token classification: a class per token, -100 on padding-like positions
            self.labels = self.input_ids % 3
            self.labels[:, 9:] = -100
        else:
            self.labels = self.input_ids[:, 0] % 3

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": torch.tensor(self.input_ids[i]), "labels": torch.tensor(self.labels[i])}


def tiny_bert(model_class=BertForSequenceClassification, id2label=None):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=16, num_labels=3,
                        id2label=id2label or {i: name for i, name in enumerate(NAMES)})
    return model_class(config)


def training_args(output_dir, **overrides):
    options = dict(output_dir=str(output_dir), eval_strategy="epoch", num_train_epochs=2, report_to=["tensorboard"],
                   use_cpu=True, per_device_train_batch_size=16, per_device_eval_batch_size=8, save_strategy="no",
                   disable_tqdm=True, logging_steps=2)
    options.update(overrides)
    return TrainingArguments(**options)


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class PredictAtEachEvaluation(TrainerCallback):
    """The peer's view of each evaluation: `trainer.predict` on the same dataset, right after ours wrote."""

    def __init__(self, trainer, datasets):
        self.trainer, self.datasets, self.seen = trainer, datasets, []

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        prefix = next(key[:-len("_runtime")] for key in metrics if key.endswith("_runtime"))
        output = self.trainer.predict(self.datasets[prefix])
        self.seen.append((state.global_step, prefix, output.predictions, output.label_ids))


def logged(logdir, tag):
    return {record.step: record for record in tbc.read(logdir, run=".", tag=tag)}


def scalar_tags(logdir):
    accumulator = EventAccumulator(logdir)
    accumulator.Reload()
    return set(accumulator.Tags()["scalars"])


def test_each_evaluation_is_logged_in_the_run_of_the_trainers_scalars(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    evaluation = Tokens(40, seed=1)
    trainer = Trainer(tiny_bert(), training_args(tmp_path), train_dataset=Tokens(64, seed=0),
                      eval_dataset=evaluation,
                      compute_metrics=lambda p: {"accuracy": float((p.predictions.argmax(-1) == p.label_ids).mean())})
    parity = np.where(np.arange(40) % 2 == 0, "even", "odd")
    ConfusionMatrixCallback(example_ids=[f"row{i}" for i in range(40)], attributes={"parity": parity}).attach(trainer)
    peer = PredictAtEachEvaluation(trainer, {"eval": evaluation})
    trainer.add_callback(peer)
    trainer.train()

    run_dirs = glob.glob(os.path.join(tmp_path, "runs", "*"))
    assert len(run_dirs) == 1  # transformers 5's TensorBoardCallback default: <output_dir>/runs/<time>_<host>
    records = logged(run_dirs[0], "eval/predictions")
    assert sorted(records) == [STEPS_PER_EPOCH, 2 * STEPS_PER_EPOCH]
    assert [seen[0] for seen in peer.seen] == sorted(records)
    for step, _, logits, label_ids in peer.seen:
        record = records[step]
        np.testing.assert_array_equal(record.labels, evaluation.labels)
        np.testing.assert_array_equal(label_ids, evaluation.labels)
        np.testing.assert_allclose(record.probabilities, softmax(logits), atol=1e-6)
        assert record.class_names == NAMES  # model.config.id2label
        assert record.example_ids == [f"row{i}" for i in range(40)]
        np.testing.assert_array_equal(tbc.slices.attribute(record, "parity").per_example(), parity)
    assert not np.allclose(records[STEPS_PER_EPOCH].probabilities, records[2 * STEPS_PER_EPOCH].probabilities)
    assert {"eval/loss", "eval/accuracy", "train/loss"} <= scalar_tags(run_dirs[0])  # same run as HF's scalars
    accuracies = [entry["eval_accuracy"] for entry in trainer.state.log_history if "eval_accuracy" in entry]
    assert accuracies == [float((records[s].probabilities.argmax(1) == evaluation.labels).mean()) for s in sorted(records)]


def test_an_eval_dataset_dict_gives_one_tag_per_dataset_with_batch_metrics(tmp_path, monkeypatch):
    logdir = tmp_path / "tb"
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", str(logdir))  # read by TensorBoardCallback and by us
    datasets = {"small": Tokens(24, seed=2), "large": Tokens(40, seed=3)}
    confusion = ConfusionMatrixCallback(class_names=["a", "b", "c"],
                                        attributes={"large": {"row": np.arange(40) % 4}})  # only for "large"
    trainer = Trainer(tiny_bert(id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}),
                      training_args(tmp_path / "out", batch_eval_metrics=True),
                      train_dataset=Tokens(64, seed=0), eval_dataset=datasets,
                      compute_metrics=confusion.wrap(), callbacks=[confusion])
    peer = PredictAtEachEvaluation(trainer, {f"eval_{name}": ds for name, ds in datasets.items()})
    trainer.add_callback(peer)
    trainer.train()

    for name, dataset in datasets.items():
        records = logged(str(logdir), f"eval/{name}_predictions")
        assert sorted(records) == [STEPS_PER_EPOCH, 2 * STEPS_PER_EPOCH]
        for step, prefix, logits, _ in peer.seen:
            if prefix == f"eval_{name}":
                np.testing.assert_array_equal(records[step].labels, dataset.labels)
                np.testing.assert_allclose(records[step].probabilities, softmax(logits), atol=1e-6)
                assert records[step].class_names == ["a", "b", "c"]
                attributes = records[step].slice_attributes or ()
                assert [a.name for a in attributes] == (["row"] if name == "large" else [])
    assert {"eval/small_loss", "eval/large_loss"} <= scalar_tags(str(logdir))


def test_token_labels_are_flattened_and_padding_dropped_from_unconcatenated_batches(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    evaluation = Tokens(10, seed=4, token_labels=True)
    # LABEL_i placeholders in id2label: the classes are named "0", "1", "2".
    trainer = Trainer(tiny_bert(BertForTokenClassification, id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}),
                      training_args(tmp_path, eval_do_concat_batches=False), eval_dataset=evaluation)
    ConfusionMatrixCallback(log_dir=tmp_path / "tb", name="tokens").attach(trainer)
    trainer.evaluate()
    logits = np.concatenate(trainer.predict(evaluation).predictions)  # a list of batches, as we were given

    (record,) = tbc.read(str(tmp_path / "tb"), run="tokens", tag="eval/predictions")
    keep = evaluation.labels != -100
    assert record.step == 0 and record.num_examples == keep.sum() == 90
    np.testing.assert_array_equal(record.labels, evaluation.labels[keep])
    np.testing.assert_allclose(record.probabilities, softmax(logits[keep]), atol=1e-6)
    assert record.class_names == ["0", "1", "2"]


def test_only_the_main_process_writes(tmp_path):
    trainer = Trainer(tiny_bert(), training_args(tmp_path), eval_dataset=Tokens(16, seed=5))
    ConfusionMatrixCallback(log_dir=tmp_path / "tb").attach(trainer)
    trainer.state.is_world_process_zero = False  # what a rank > 0 process of a distributed run has
    trainer.evaluate()
    assert not glob.glob(str(tmp_path / "tb" / "**" / "*.tb_confusion"), recursive=True)
    trainer.state.is_world_process_zero = True
    trainer.evaluate()
    assert len(glob.glob(str(tmp_path / "tb" / "*.tb_confusion"))) == 1


def test_a_callback_without_the_wrapper_fails_at_the_first_evaluation(tmp_path):
    trainer = Trainer(tiny_bert(), training_args(tmp_path), eval_dataset=Tokens(16, seed=5),
                      callbacks=[ConfusionMatrixCallback(log_dir=tmp_path / "tb")])
    with pytest.raises(ValueError, match="compute_metrics"):
        trainer.evaluate()
    assert not os.path.exists(tmp_path / "tb")


def test_callbacks_list_without_a_directory_fails_before_training(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    confusion = ConfusionMatrixCallback()
    trainer = Trainer(tiny_bert(), training_args(tmp_path), train_dataset=Tokens(64, seed=0),
                      eval_dataset=Tokens(16, seed=5), compute_metrics=confusion.wrap(), callbacks=[confusion])
    with pytest.raises(ValueError, match="log_dir is None.*attach"):
        trainer.train()
    assert trainer.state.global_step == 0


def test_a_users_compute_metrics_receives_the_same_pass(tmp_path):
    seen = []
    confusion = ConfusionMatrixCallback(log_dir=tmp_path / "tb")
    metrics = confusion.wrap(lambda p: seen.append(p) or {"n": len(p.label_ids)})
    trainer = Trainer(tiny_bert(), training_args(tmp_path), eval_dataset=Tokens(16, seed=5),
                      compute_metrics=metrics, callbacks=[confusion])
    assert trainer.evaluate()["eval_n"] == 16
    (record,) = tbc.read(str(tmp_path / "tb"), run=".", tag="eval/predictions")
    np.testing.assert_allclose(record.probabilities, softmax(seen[0].predictions), atol=1e-6)


@pytest.mark.parametrize("argument, value", [
    ("log_dir", 5), ("name", ""), ("tag", ""), ("tag", None), ("class_names", "cat,dog"), ("task", "multi"),
    ("from_logits", "yes"), ("output", 1.5), ("example_ids", 7), ("ignore_index", "pad"), ("dtype", "float64"),
    ("description", 3), ("attributes", ["a"]), ("attributes", {}),
])
def test_bad_arguments_name_the_argument(argument, value):
    with pytest.raises(ValueError, match=rf"^{argument} .*{value!r}" if value != "" else rf"^{argument} "):
        ConfusionMatrixCallback(**{argument: value})


def test_attributes_mixing_names_and_datasets_are_refused_naming_them():
    with pytest.raises(ValueError, match=r"attributes must map every key .* got a mix: \['large', 'source'\]"):
        ConfusionMatrixCallback(attributes={"source": ["a"], "large": {"row": [1]}})
    with pytest.raises(ValueError, match="attributes cannot be kept for task='segmentation'"):
        ConfusionMatrixCallback(task="segmentation", attributes={"source": ["a"]})


def test_bad_wiring_names_the_argument():
    with pytest.raises(ValueError, match="trainer must be a transformers.Trainer; got dict"):
        ConfusionMatrixCallback().attach({})
    with pytest.raises(ValueError, match="compute_metrics must be callable"):
        ConfusionMatrixCallback().wrap("accuracy")


def test_importing_tb_confusion_does_not_import_transformers():
    import subprocess
    import sys
    code = "import sys, tb_confusion; assert 'transformers' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


class MultiHot(Tokens):
    def __init__(self, n, seed):
        super().__init__(n, seed)
        self.labels = np.stack([self.input_ids[:, k] % 2 for k in range(3)], axis=1).astype("float32")


def test_a_multi_label_model_is_logged_as_multilabel_with_sigmoids(tmp_path):
    model = tiny_bert()
    model.config.problem_type = "multi_label_classification"
    evaluation = MultiHot(16, seed=6)
    trainer = Trainer(model, training_args(tmp_path), eval_dataset=evaluation)
    ConfusionMatrixCallback(log_dir=tmp_path / "tb").attach(trainer)
    trainer.evaluate()
    logits = trainer.predict(evaluation).predictions

    (record,) = tbc.read(str(tmp_path / "tb"), run=".", tag="eval/predictions")
    assert record.task == "multilabel" and record.class_names == NAMES
    np.testing.assert_array_equal(record.labels, evaluation.labels)
    np.testing.assert_allclose(record.probabilities, 1 / (1 + np.exp(-logits)), atol=1e-6)


def test_class_ids_from_preprocess_logits_are_refused_before_anything_is_written(tmp_path):
    trainer = Trainer(tiny_bert(), training_args(tmp_path), eval_dataset=Tokens(16, seed=5),
                      preprocess_logits_for_metrics=lambda logits, labels: logits.argmax(-1))
    ConfusionMatrixCallback(log_dir=tmp_path / "tb").attach(trainer)
    with pytest.raises(ValueError, match="predictions must be logits or probabilities; got int64"):
        trainer.evaluate()
    assert not os.path.exists(tmp_path / "tb")


def test_class_groups_are_stored_with_the_tag_and_group_the_matrix_as_scikit_learn(tmp_path):
    evaluation = Tokens(40, seed=1)
    trainer = Trainer(tiny_bert(), training_args(tmp_path), eval_dataset=evaluation)
    # a dict over the class names the model's id2label gives (cat, dog, eel)
    ConfusionMatrixCallback(log_dir=tmp_path / "tb", class_groups={"fish": ["eel"], "pet": ["cat", "dog"]}).attach(
        trainer)
    trainer.evaluate()
    predicted = trainer.predict(evaluation).predictions.argmax(-1)

    (record,) = tbc.read(str(tmp_path / "tb"), run=".", tag="eval/predictions")
    assert record.class_names == NAMES and record.class_groups == ["pet", "pet", "fish"]
    group = np.array([0, 0, 1])  # pet first: the groups in class order
    report = groups.grouped_report(record, record.class_groups)
    assert report["class_names"] == ["pet", "fish"]
    np.testing.assert_array_equal(report["confusion_matrix"],
                                  confusion_matrix(group[evaluation.labels], group[predicted], labels=[0, 1]))


@pytest.mark.parametrize("options, message", [
    ({"class_names": NAMES, "class_groups": ["x", "y"]},
     "class_groups must have 3 entries (one group per class); got 2: ['x', 'y']"),
    ({"task": "binary", "class_groups": ["x", "y"]},
     "class_groups apply to multiclass predictions (one true and one predicted class per example); got task 'binary'"),
    ({"task": "segmentation", "class_groups": ["x", "y"]}, "got task 'segmentation'"),
    ({"class_groups": 3}, "class_groups must be a sequence of group names (one per class) or a dict"),
])
def test_bad_class_groups_raise_naming_them(options, message):
    with pytest.raises(ValueError) as error:
        ConfusionMatrixCallback(**options)
    assert message in str(error.value)


def test_class_groups_that_do_not_fit_the_model_are_refused_before_training_or_writing(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    model = tiny_bert()
    model.config.problem_type = "multi_label_classification"
    trainer = Trainer(model, training_args(tmp_path), train_dataset=MultiHot(64, seed=0),
                      eval_dataset=MultiHot(16, seed=6))
    ConfusionMatrixCallback(log_dir=tmp_path / "tb", class_groups=["x", "x", "y"]).attach(trainer)
    with pytest.raises(ValueError, match="class_groups apply to multiclass predictions .* got task 'multilabel'"):
        trainer.train()
    assert trainer.state.global_step == 0

    trainer = Trainer(tiny_bert(), training_args(tmp_path), eval_dataset=Tokens(16, seed=5))
    ConfusionMatrixCallback(log_dir=tmp_path / "tb", class_groups=["x", "y"]).attach(trainer)
    with pytest.raises(ValueError, match=r"class_groups must have 3 entries \(one group per class\); got 2"):
        trainer.evaluate()
    assert not os.path.exists(tmp_path / "tb")
