"""The Hugging Face door with per-pixel targets: a tiny SegFormer built from a config, evaluated by a real
Trainer whose preprocess_logits_for_metrics upsamples the logits to the masks (as HF's own guide does);
each evaluation is summed into an Accumulator and equals one fed `trainer.predict`'s logits."""

import numpy as np
import pytest
import torch

transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")
from transformers import SegformerConfig, SegformerForSemanticSegmentation, Trainer, TrainingArguments  # noqa: E402

import tb_confusion as tbc  # noqa: E402
from tb_confusion.transformers import ConfusionMatrixCallback  # noqa: E402

pytestmark = pytest.mark.slow
NAMES = ["bg", "disc", "box"]


class Shapes(torch.utils.data.Dataset):
    """32 x 32 noise images whose mask is a bright square (class 2) or not (0), 1 where dim; a 255 border."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 3, (n, 32, 32))
        self.images = (self.labels[:, None] + rng.normal(0, 0.5, (n, 3, 32, 32))).astype(np.float32)
        self.labels[:, :2] = 255

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"pixel_values": torch.from_numpy(self.images[i]), "labels": torch.from_numpy(self.labels[i])}


def upsampled(logits, labels):
    return torch.nn.functional.interpolate(logits, size=labels.shape[-2:], mode="bilinear", align_corners=False)


def tiny_segformer():
    torch.manual_seed(0)
    config = SegformerConfig(num_channels=3, num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1],
                             hidden_sizes=[8, 16], num_attention_heads=[1, 1], patch_sizes=[3, 3], strides=[2, 2],
                             decoder_hidden_size=16, num_labels=3, semantic_loss_ignore_index=255,
                             id2label=dict(enumerate(NAMES)), label2id={n: i for i, n in enumerate(NAMES)})
    return SegformerForSemanticSegmentation(config)


@pytest.mark.parametrize("batch_eval_metrics", [False, True])
def test_each_evaluation_sums_the_upsampled_pixels(tmp_path, batch_eval_metrics):
    evaluation = Shapes(6, seed=1)
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True, per_device_eval_batch_size=4,
                             disable_tqdm=True, batch_eval_metrics=batch_eval_metrics)
    trainer = Trainer(tiny_segformer(), args, eval_dataset=evaluation, preprocess_logits_for_metrics=upsampled)
    ConfusionMatrixCallback(log_dir=tmp_path / "tb", task="segmentation", ignore_index=255).attach(trainer)
    trainer.evaluate()
    logits = trainer.predict(evaluation).predictions

    (record,) = tbc.read(str(tmp_path / "tb"), tag="eval/predictions")
    expected = tbc.Accumulator("p", ignore_index=255, channels_first=True, from_logits=True)
    expected.update(evaluation.labels, logits)
    assert record.task == "segmentation" and record.class_names == NAMES
    np.testing.assert_array_equal(record.counts.cells, expected.state.cells)
    np.testing.assert_array_equal(record.counts.scores, expected.state.scores)
    assert record.num_examples == 6 and record.counts.total == (evaluation.labels != 255).sum()


def test_logits_smaller_than_the_masks_are_refused_with_the_way_out(tmp_path):
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True, disable_tqdm=True)
    trainer = Trainer(tiny_segformer(), args, eval_dataset=Shapes(2, seed=2))
    ConfusionMatrixCallback(log_dir=tmp_path / "tb", task="segmentation", ignore_index=255).attach(trainer)
    with pytest.raises(ValueError, match="preprocess_logits_for_metrics"):
        trainer.evaluate()
    assert not (tmp_path / "tb").exists()
