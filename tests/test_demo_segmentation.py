"""The demo's segmentation run (demo/segmentation.py): what it logs through the Accumulator is what its
model predicts, pixel by pixel and image by image, recounted here with scikit-learn."""

import copy
import os
import sys

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix

import tb_confusion as tbc
from tb_confusion.server import panel_data

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo"))
import segmentation  # noqa: E402

EPOCHS = 2
C = len(segmentation.CLASS_NAMES)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(logdir, [the network after each epoch], validation images, masks and ids)."""
    logdir = str(tmp_path_factory.mktemp("segmentation"))
    nets = []
    segmentation.train(logdir, epochs=EPOCHS, progress=lambda *args: None,
                       on_epoch=lambda epoch, net: nets.append(copy.deepcopy(net)))
    images, masks, ids = segmentation.validation_set()
    return logdir, nets, images, masks, ids


def argmax(net, images):
    """The net's class per pixel, computed as the demo computes its logits (batches of 8, its threads),
    so the two agree to the last bit and no near-tie can flip a pixel."""
    threads = torch.get_num_threads()
    torch.set_num_threads(segmentation.THREADS)
    try:
        return np.concatenate([segmentation.predict(net, images[a:a + 8]).argmax(1).numpy()
                               for a in range(0, len(images), 8)])
    finally:
        torch.set_num_threads(threads)


def test_shapes_are_deterministic_with_an_ignored_border_and_every_class():
    images, masks = segmentation.shapes(12, seed=5)
    again_images, again_masks = segmentation.shapes(12, seed=5)
    assert images.shape == (12, 1, 64, 64) and images.dtype == np.float32
    assert masks.shape == (12, 64, 64)
    np.testing.assert_array_equal(images, again_images)
    np.testing.assert_array_equal(masks, again_masks)
    assert not np.array_equal(masks, segmentation.shapes(12, seed=6)[1])
    border = np.ones((64, 64), bool)
    border[2:-2, 2:-2] = False
    assert (masks[:, border] == segmentation.IGNORE).all()
    assert set(np.unique(masks[:, ~border])) == set(range(C))


@pytest.mark.slow
def test_each_epoch_logs_the_matrix_of_the_models_argmax(trained):
    logdir, nets, images, masks, ids = trained
    records = list(tbc.read(logdir, run="validation", tag=segmentation.TAG, strict=True))
    assert [r.step for r in records] == list(range(EPOCHS))
    counted = masks != segmentation.IGNORE
    for record, net in zip(records, nets):
        assert record.task == "segmentation" and record.class_names == segmentation.CLASS_NAMES
        assert record.num_examples == segmentation.VALIDATION_IMAGES
        assert record.counts.example_ids == list(ids) == [f"val-{i:03d}" for i in range(len(images))]
        expected = confusion_matrix(masks[counted], argmax(net, images)[counted], labels=range(C))
        np.testing.assert_array_equal(record.counts.matrix, expected)
        assert expected.sum() == segmentation.VALIDATION_IMAGES * 60 * 60
    # the epochs differ (the model learns), so the comparison above did not pass on one shared matrix
    assert not np.array_equal(records[0].counts.matrix, records[-1].counts.matrix)


@pytest.mark.slow
def test_the_images_behind_a_cell_are_those_with_pixels_in_it(trained):
    logdir, nets, images, masks, ids = trained
    record = list(tbc.read(logdir, run="validation", tag=segmentation.TAG, step="latest"))[0]
    predicted = argmax(nets[-1], images)
    off_diagonal = record.counts.matrix - np.diag(np.diag(record.counts.matrix))
    true, pred = np.unravel_index(off_diagonal.argmax(), off_diagonal.shape)
    assert off_diagonal[true, pred] > 0  # the demo's model still confuses classes after two epochs
    per_image = ((masks == true) & (predicted == pred)).sum(axis=(1, 2))
    expected = sorted((-n, i) for i, n in enumerate(per_image) if n)
    page = panel_data.examples(record, true=int(true), pred=int(pred), limit=100)
    assert page["total"] == len(expected)
    assert page["elements"] == off_diagonal[true, pred]
    assert [(e["id"], e["count"]) for e in page["examples"]] == [(ids[i], -n) for n, i in expected]
