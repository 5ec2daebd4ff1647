"""A tiny per-pixel Lightning validation, shared by tests/test_door_lightning_pixels.py and run by it:

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/lightning_pixels_script.py OUT_DIR

validates a fixed 1x1-convolution model on generated masks with `devices=2, strategy="ddp"` (gloo) and the
callback in segmentation mode: 9 images, so DistributedSampler pads one.
"""

import sys

if __name__ == "__main__":
    sys.modules["tensorflow"] = None

import numpy as np
import torch
import lightning.pytorch as L

import tb_confusion.lightning

CLASSES, IMAGES, SIZE = 3, 9, 10


class Masks(torch.utils.data.Dataset):
    """(image [3, H, W], mask [H, W] with an ignored (255) first row, id): the image is the mask's one-hot
    plus noise, so a 1x1 convolution predicts most pixels right."""

    def __init__(self):
        rng = np.random.default_rng(3)
        self.masks = rng.integers(0, CLASSES, (IMAGES, SIZE, SIZE))
        self.images = (np.moveaxis(np.eye(CLASSES)[self.masks], -1, 1) + rng.normal(0, 0.6, (IMAGES, CLASSES, SIZE, SIZE)))
        self.masks[:, 0, :] = 255

    def __len__(self):
        return IMAGES

    def __getitem__(self, i):
        return torch.tensor(self.images[i], dtype=torch.float32), torch.from_numpy(self.masks[i]), f"img-{i}"


class PixelModule(L.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Conv2d(CLASSES, CLASSES, 1)
        with torch.no_grad():
            self.net.weight.copy_(torch.eye(CLASSES).reshape(CLASSES, CLASSES, 1, 1) * 2)
            self.net.bias.zero_()

    def forward(self, x):
        return self.net(x)

    def validation_step(self, batch, batch_idx):
        x, y, ids = batch
        return {"labels": y, "logits": self(x), "ids": ids}


def callback(log_dir):
    return tb_confusion.lightning.ConfusionMatrixCallback(
        log_dir, task="segmentation", ignore_index=255, ids_key="ids", class_names=["bg", "a", "b"])


def main(out_dir):
    trainer = L.Trainer(accelerator="cpu", devices=2, strategy="ddp", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False, callbacks=[callback(out_dir)])
    trainer.validate(PixelModule(), torch.utils.data.DataLoader(Masks(), batch_size=2), verbose=False)
    if torch.distributed.is_initialized():  # gloo stopped here, not at interpreter exit (see lightning_ddp_script)
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
