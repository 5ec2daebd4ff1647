"""tb_confusion.lightning.ConfusionMatrixCallback with real Lightning trainings of a Linear layer on load_digits.

What was logged is compared with a forward pass of the weights the model had at that epoch (saved by the
module itself), and, under DDP, with a single-process run on the final weights.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch
import lightning.pytorch as L
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from sklearn.metrics import confusion_matrix
from torch.utils.data import DataLoader, DistributedSampler

import tb_confusion as tbc
from tb_confusion import groups
from tb_confusion.lightning import ConfusionMatrixCallback, merge_ranks
from tb_confusion.storage.events import read_records
from tensorboard.compat.proto import event_pb2

from lightning_ddp_script import VAL_SIZE, TinyModule, datasets

pytestmark = pytest.mark.slow
SCRIPT = pathlib.Path(__file__).with_name("lightning_ddp_script.py")


def loaders(val_batch=16):
    train, val = datasets()
    return DataLoader(train, batch_size=50, shuffle=True), DataLoader(val, batch_size=val_batch)


def trainer(tmp_path, callbacks, logger=True, **options):
    logger = TensorBoardLogger(tmp_path, name="tb", version=0) if logger is True else logger
    options = dict(max_epochs=2, enable_progress_bar=False, enable_model_summary=False,
                   enable_checkpointing=False, logger=logger, callbacks=callbacks) | options
    return L.Trainer(accelerator="cpu", devices=1, **options)


def val_arrays():
    _, val = datasets()
    return val.x, val.y.numpy(), [f"digit-{1500 + i}" for i in range(VAL_SIZE)]


def forward(weights_path, x):
    """Softmax probabilities of the Linear layer with the weights saved at `weights_path`."""
    net = torch.nn.Linear(64, 10)
    net.load_state_dict(torch.load(weights_path))
    with torch.no_grad():
        return torch.softmax(net(x), dim=1).numpy()


def written(directory):
    """(tag, step, number of examples) of every tb_confusion event under `directory`, in file order."""
    found = []
    for path in sorted(pathlib.Path(directory).rglob("*.tb_confusion")):
        for record in read_records(path.read_bytes()):
            event = event_pb2.Event.FromString(record)
            found += [(value.tag, event.step) for value in event.summary.value]
    return found


def by_tag_step(logdir):
    return {(r.tag, r.step): r for r in tbc.read(logdir)}


def test_each_validation_epoch_is_logged_beside_the_scalars_as_the_model_predicted(tmp_path):
    train, val = loaders()
    model = TinyModule(str(tmp_path))
    fit = trainer(tmp_path, [ConfusionMatrixCallback(stages=("validate", "test"))], num_sanity_val_steps=2)
    fit.fit(model, train, val)
    fit.test(model, val)

    # one event per validation epoch (none for the sanity check, which would be step 0 with 32 examples),
    # then the test pass at the epoch where fit ended
    assert written(tmp_path) == [("predictions", 0), ("predictions", 1), ("test_predictions", 2)]
    log_dir = pathlib.Path(fit.logger.log_dir)
    assert {p.name.endswith(".tb_confusion") for p in log_dir.glob("events.out.tfevents.*")} == {True, False}
    records = by_tag_step(tmp_path)
    assert {r.run for r in records.values()} == {"tb/version_0"}  # the logger's run: scalars and predictions
    x, labels, _ = val_arrays()
    for epoch in (0, 1):
        record = records["predictions", epoch]
        assert record.task == "multiclass" and record.class_names == [str(c) for c in range(10)]
        np.testing.assert_array_equal(record.labels, labels)
        np.testing.assert_allclose(record.probabilities, forward(tmp_path / f"epoch{epoch}.pt", x), atol=1e-6)
    assert not np.allclose(records["predictions", 0].probabilities, records["predictions", 1].probabilities)
    np.testing.assert_allclose(records["test_predictions", 2].probabilities,
                               records["predictions", 1].probabilities, atol=1e-6)


def test_extract_probabilities_global_step_every_n_epochs_and_an_own_log_dir(tmp_path):
    def extract(pl_module, batch, outputs):
        x, y, ids = batch
        return y, torch.softmax(outputs["logits"], dim=1), ids

    train, val = loaders()
    model = TinyModule(str(tmp_path))
    callback = ConfusionMatrixCallback(tmp_path / "own", name="validation", extract=extract, from_logits=False,
                                       every_n_epochs=2, step="global_step", class_names=list("abcdefghij"))
    trainer(tmp_path, [callback], max_epochs=3).fit(model, train, val)

    # 12 training batches an epoch: epoch 1 (every 2nd) at global step 24 and the last epoch, 2, at 36
    assert written(tmp_path / "own") == [("predictions", 24), ("predictions", 36)]
    records = by_tag_step(tmp_path / "own")
    x, labels, ids = val_arrays()
    for epoch, step in ((1, 24), (2, 36)):
        record = records["predictions", step]
        assert record.run == "validation" and record.class_names == list("abcdefghij")
        np.testing.assert_array_equal(record.labels, labels)
        np.testing.assert_allclose(record.probabilities, forward(tmp_path / f"epoch{epoch}.pt", x), atol=1e-6)
        assert list(record.example_ids) == ids


class NoLabels(TinyModule):
    def validation_step(self, batch, batch_idx):
        x, y, ids = batch
        return {"loss": torch.nn.functional.cross_entropy(self(x), y), "scores": self(x)}


class LossOnly(TinyModule):
    def validation_step(self, batch, batch_idx):
        x, y, ids = batch
        return torch.nn.functional.cross_entropy(self(x), y)


@pytest.mark.parametrize("module, callback, message", [
    (NoLabels, {}, r"no key 'labels'; keys present: \['loss', 'scores'\]"),
    (NoLabels, {"labels_key": "scores", "scores_key": "logits"}, r"no key 'logits'; keys present: \['loss', 'scores'\]"),
    (TinyModule, {"ids_key": "id"}, r"no key 'id'; keys present: \['ids', 'labels', 'logits', 'parity'\]"),
    (LossOnly, {}, r"outputs must be a dict with 'labels' and 'logits' \(or pass extract=\); got Tensor"),
    (TinyModule, {"extract": lambda module, batch, outputs: outputs["labels"]},
     r"extract must return \(labels, scores\), \(labels, scores, ids\) or \(labels, scores, ids, attributes\); "
     r"got Tensor of length 16"),
    (TinyModule, {"attribute_keys": ("parity", "source")}, r"no key 'source'; keys present: \['ids', 'labels', "
     r"'logits', 'parity'\]"),
    (TinyModule, {"attribute_keys": "parity", "extract": lambda module, batch, outputs: (
        outputs["labels"], outputs["logits"], None, {"parity": outputs["parity"][:3]})},
     r"attributes\['parity'\] must have 101 values \(one per example\)"),
    (TinyModule, {"task": "binary"}, r"binary"),  # 10 classes of scores: the shared writer check says so
])
def test_bad_outputs_raise_naming_the_key_and_write_nothing(tmp_path, module, callback, message):
    _, val = loaders()
    with pytest.raises(ValueError, match=message):
        trainer(tmp_path, [ConfusionMatrixCallback(**callback)]).validate(module(), val, verbose=False)
    assert written(tmp_path) == []


def test_without_a_tensorboard_logger_log_dir_is_required(tmp_path):
    _, val = loaders()
    with pytest.raises(ValueError, match=r"trainer.loggers holds \['CSVLogger'\]; add a TensorBoardLogger or pass log_dir="):
        trainer(tmp_path, [ConfusionMatrixCallback()], logger=CSVLogger(tmp_path)).validate(TinyModule(), val,
                                                                                             verbose=False)
    trainer(tmp_path, [ConfusionMatrixCallback(tmp_path / "given")], logger=CSVLogger(tmp_path)).validate(
        TinyModule(), val, verbose=False)
    assert written(tmp_path) == [("predictions", 0)]


def test_probabilities_with_from_logits_warn(tmp_path):
    _, val = loaders()
    extract = lambda module, batch, outputs: (outputs["labels"], torch.softmax(outputs["logits"], dim=1))
    with pytest.warns(UserWarning, match="look like probabilities .* pass from_logits=False"):
        trainer(tmp_path, [ConfusionMatrixCallback(extract=extract)]).validate(TinyModule(), val, verbose=False)


@pytest.mark.parametrize("argument, value, message", [
    ("log_dir", "", "log_dir must be a directory path or None; got ''"),
    ("stages", ("fit",), "stages must be a non-empty collection of 'validate', 'test'; got ('fit',)"),
    ("step", "batch", "step must be one of 'epoch', 'global_step'; got 'batch'"),
    ("every_n_epochs", 0, "every_n_epochs must be a positive integer; got 0"),
    ("from_logits", "yes", "from_logits must be True or False; got 'yes'"),
    ("labels_key", 3, "labels_key must be a non-empty string; got 3"),
    ("extract", "labels", "extract must be a function"),
    ("task", "regression", "task must be one of"),
    ("dtype", "float64", "dtype must be one of 'float32', 'float16'; got 'float64'"),
    ("dataloader_idx", -1, "dataloader_idx must be a non-negative integer; got -1"),
    ("class_names", "abc", "class_names must be a sequence of strings or None; got 'abc'"),
    ("attribute_keys", 3, "attribute_keys must be a key or a sequence of keys; got 3"),
    ("attribute_keys", ("",), "attribute_keys must be a non-empty string; got ''"),
])
def test_bad_arguments_raise_naming_them(argument, value, message):
    with pytest.raises(ValueError) as error:
        ConfusionMatrixCallback(**{argument: value})
    assert message in str(error.value)


# Digits by shape: the group of each class, in class order ("round" first, as it first appears).
SHAPES = {"round": ["0", "6", "8", "9"], "straight": ["1", "4", "7"], "curly": ["2", "3", "5"]}
SHAPE_OF = ["round", "straight", "curly", "curly", "straight", "curly", "round", "straight", "round", "round"]


@pytest.mark.parametrize("class_groups", [SHAPE_OF, SHAPES])
def test_class_groups_are_stored_with_the_tag_and_group_the_matrix_as_scikit_learn(tmp_path, class_groups):
    _, val = loaders()
    model = TinyModule()
    callback = ConfusionMatrixCallback(class_names=[str(c) for c in range(10)], class_groups=class_groups)
    trainer(tmp_path, [callback]).validate(model, val, verbose=False)
    (record,) = tbc.read(tmp_path)
    assert record.class_groups == SHAPE_OF  # a dict is stored as the per-class list
    x, labels, _ = val_arrays()
    with torch.no_grad():
        predicted = model.net(x).argmax(1).numpy()
    group = np.array([["round", "straight", "curly"].index(name) for name in SHAPE_OF])
    report = groups.grouped_report(record, record.class_groups)
    assert report["class_names"] == ["round", "straight", "curly"]
    np.testing.assert_array_equal(report["confusion_matrix"],
                                  confusion_matrix(group[labels], group[predicted], labels=[0, 1, 2]))


@pytest.mark.parametrize("options, message", [
    ({"class_names": list("abcdefghij"), "class_groups": ["x", "y"]},
     "class_groups must have 10 entries (one group per class); got 2: ['x', 'y']"),
    ({"task": "binary", "class_groups": ["x", "y"]},
     "class_groups apply to multiclass predictions (one true and one predicted class per example); got task 'binary'"),
    ({"task": "segmentation", "class_groups": ["x", "y"]}, "got task 'segmentation'"),
    ({"ignore_index": 255, "class_groups": ["x", "y"]},
     "class_groups apply to multiclass predictions of one class per example; a per-pixel (segmentation) step takes "
     "none (docs/groups.md); got ignore_index=255"),
    ({"class_groups": "xy"}, "class_groups must be a sequence of group names (one per class) or a dict"),
    ({"class_names": ["a", "b"], "class_groups": {"x": ["a", "c"]}}, "class_groups['x'] names 'c', which is not one"),
])
def test_bad_class_groups_raise_naming_them(options, message):
    with pytest.raises(ValueError) as error:
        ConfusionMatrixCallback(**options)
    assert message in str(error.value)


def test_class_groups_that_do_not_fit_the_classes_seen_are_refused_before_writing(tmp_path):
    _, val = loaders()
    with pytest.raises(ValueError, match=r"class_groups must have 10 entries \(one group per class\); got 3"):
        trainer(tmp_path, [ConfusionMatrixCallback(class_groups=["x", "y", "z"])]).validate(
            TinyModule(), val, verbose=False)
    assert written(tmp_path) == []


@pytest.mark.parametrize("size, world, shuffle", [(7, 3, False), (7, 3, True), (101, 2, False), (8, 4, True)])
def test_merge_ranks_restores_distributed_sampler_order_without_padding(size, world, shuffle):
    # each rank's share as the real DistributedSampler deals it; the examples' labels are their indices
    samplers = [DistributedSampler(range(size), num_replicas=world, rank=r, shuffle=shuffle, seed=3)
                for r in range(world)]
    shares = [{"labels": np.array(list(s)), "probabilities": np.array(list(s), dtype=float) / size,
               "example_ids": None, "sample_weight": None} for s in samplers]
    assert sum(len(share["labels"]) for share in shares) == -(-size // world) * world  # padded
    merged = merge_ranks(shares, dataset_length=size)
    expected = torch.randperm(size, generator=torch.Generator().manual_seed(3)).numpy() if shuffle else np.arange(size)
    np.testing.assert_array_equal(merged["labels"], expected)
    by_id = merge_ranks([dict(share, example_ids=np.char.add("id", share["labels"].astype(str))) for share in shares])
    np.testing.assert_array_equal(by_id["labels"], expected)
    np.testing.assert_array_equal(by_id["example_ids"], np.char.add("id", expected.astype(str)))
    with_attributes = merge_ranks([dict(share, attributes={"source": np.where(share["labels"] % 3, "web", "scan")})
                                   for share in shares], dataset_length=size)
    np.testing.assert_array_equal(with_attributes["attributes"]["source"], np.where(expected % 3, "web", "scan"))
    with pytest.raises(ValueError, match="attributes differ between ranks"):
        merge_ranks([dict(share, attributes={"source": share["labels"]} if r else None)
                     for r, share in enumerate(shares)], dataset_length=size)


def test_ddp_two_processes_log_once_what_one_process_logs(tmp_path):
    torch.manual_seed(1)
    torch.save(torch.nn.Linear(64, 10).state_dict(), tmp_path / "init.pt")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SCRIPT.parent), os.environ.get("PYTHONPATH", "")]))
    # torchrun starts both ranks at once (Lightning's own launcher starts rank 1 after rank 0's imports)
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          str(SCRIPT), str(tmp_path), str(tmp_path / "init.pt")],
                         capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stderr[-3000:]

    # each rank saw 51 of the 101 examples (one padded), yet each epoch is one event of 101 examples
    assert [json.loads((tmp_path / f"seen_rank{r}.json").read_text()) for r in (0, 1)] == [51, 51]
    assert sorted(written(tmp_path)) == [("predictions", 0), ("predictions", 1),
                                         ("predictions_by_id", 0), ("predictions_by_id", 1)]
    assert len({p.name.split(".")[4] for p in tmp_path.rglob("*.tb_confusion")}) == 1  # one writing pid
    # bad data found on rank 0 stops rank 1 too (the run above ended instead of waiting forever)
    message = "class_names must have 10 entries (one per class); got 2: ['a', 'b']"
    assert (tmp_path / "error_rank0.txt").read_text() == message
    assert (tmp_path / "error_rank1.txt").read_text() == "on rank 0: " + message
    assert not (tmp_path / "bad").exists()
    ddp = by_tag_step(tmp_path)

    _, val = loaders()
    single = TinyModule()
    single.net.load_state_dict(torch.load(tmp_path / "epoch1.pt"))
    callbacks = [ConfusionMatrixCallback(tmp_path / "single"),
                 ConfusionMatrixCallback(tmp_path / "single", tag="predictions_by_id", ids_key="ids",
                                         attribute_keys="parity")]
    trainer(tmp_path, callbacks, logger=False).validate(single, val, verbose=False)
    one = by_tag_step(tmp_path / "single")
    x, labels, ids = val_arrays()
    for tag in ("predictions", "predictions_by_id"):
        np.testing.assert_array_equal(ddp[tag, 1].labels, one[tag, 0].labels)
        np.testing.assert_array_equal(ddp[tag, 1].labels, labels)
        np.testing.assert_allclose(ddp[tag, 1].probabilities, one[tag, 0].probabilities, atol=1e-6)
        np.testing.assert_allclose(ddp[tag, 0].probabilities, forward(tmp_path / "epoch0.pt", x), atol=1e-6)
    assert list(ddp["predictions_by_id", 1].example_ids) == ids == list(one["predictions_by_id", 0].example_ids)
    parity = np.where(labels % 2 == 0, "even", "odd")
    for record in (ddp["predictions_by_id", 1], one["predictions_by_id", 0]):  # the attribute follows its example
        np.testing.assert_array_equal(tbc.slices.attribute(record, "parity").per_example(), parity)
    assert not ddp["predictions", 1].slice_attributes


def test_pytorch_lightning_trainer_accepts_it(tmp_path):
    # imported after tb_confusion.lightning, as the callback's bases then hold only lightning.pytorch's Callback
    pl = pytest.importorskip("pytorch_lightning")

    class Classic(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Linear(64, 10)

        def validation_step(self, batch, batch_idx):
            x, y, ids = batch
            return {"labels": y, "logits": self.net(x)}

    _, val = loaders()
    model = Classic()
    logger = pl.loggers.TensorBoardLogger(tmp_path, name="classic", version=0)
    pl.Trainer(accelerator="cpu", devices=1, logger=logger, enable_progress_bar=False,
               callbacks=[ConfusionMatrixCallback()]).validate(model, val, verbose=False)
    record = next(tbc.read(tmp_path))
    x, labels, _ = val_arrays()
    assert record.run == "classic/version_0"
    np.testing.assert_array_equal(record.labels, labels)
    with torch.no_grad():
        np.testing.assert_allclose(record.probabilities, torch.softmax(model.net(x), 1).numpy(), atol=1e-6)
