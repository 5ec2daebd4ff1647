"""A tiny Lightning training on load_digits, shared by tests/test_door_lightning.py and run by it as a script.

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/lightning_ddp_script.py OUT_DIR INIT_WEIGHTS
    python tests/lightning_ddp_script.py OUT_DIR INIT_WEIGHTS  # Lightning launches the second rank itself

trains on CPU with `devices=2, strategy="ddp"` (gloo backend) and
two callbacks: tag "predictions" (no ids: DistributedSampler order, padding trimmed) and "predictions_by_id"
(ids_key="ids": padding dropped by id; attribute_keys="parity": each example's label parity, to slice by). Rank 0 saves the weights at each validation epoch end to
OUT_DIR/epoch<N>.pt; every rank saves how many validation examples it saw to OUT_DIR/seen_rank<R>.json.
Then a `trainer.validate` whose callback has 2 class names for 10 classes: the error found on rank 0 must
stop every rank (each writes it to OUT_DIR/error_rank<R>.txt) rather than leave rank 1 waiting.
"""

import json
import os
import sys

if __name__ == "__main__":  # as on a PyTorch-only machine: TensorBoardLogger then skips TensorFlow (~9 s a rank)
    sys.modules["tensorflow"] = None

import numpy as np
import torch
import lightning.pytorch as L
from lightning.pytorch.loggers import TensorBoardLogger
from sklearn.datasets import load_digits

import tb_confusion.lightning

VAL_SIZE = 101  # odd: with 2 ranks, DistributedSampler pads one example


class IdDataset(torch.utils.data.Dataset):
    """(x, label, id) triples; ids are strings like "digit-1500"."""

    def __init__(self, x, y, offset):
        self.x, self.y, self.offset = x, y, offset

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i], f"digit-{self.offset + i}"


def datasets():
    """(train, validation) from load_digits: 600 training examples, VAL_SIZE validation ones."""
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0, dtype=torch.float32)
    y = torch.tensor(y)
    train = torch.utils.data.TensorDataset(x[:600], y[:600])
    return train, IdDataset(x[1500:1500 + VAL_SIZE], y[1500:1500 + VAL_SIZE], 1500)


class TinyModule(L.LightningModule):
    """A Linear layer over the 64 pixels; validation_step returns labels, logits, ids and an attribute."""

    def __init__(self, out_dir=None):
        super().__init__()
        self.net = torch.nn.Linear(64, 10)
        self.out_dir = out_dir
        self.seen = 0

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y, ids = batch
        self.seen += len(y)
        return {"labels": y, "logits": self(x), "ids": ids, "parity": ["even" if v % 2 == 0 else "odd" for v in y.tolist()]}

    test_step = validation_step

    def on_validation_epoch_end(self):
        if self.out_dir and not self.trainer.sanity_checking:
            if self.trainer.is_global_zero:
                torch.save(self.net.state_dict(), os.path.join(self.out_dir, f"epoch{self.current_epoch}.pt"))
            with open(os.path.join(self.out_dir, f"seen_rank{self.global_rank}.json"), "w") as f:
                json.dump(self.seen, f)
        self.seen = 0

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.5)


def main(out_dir, weights):
    train, val = datasets()
    model = TinyModule(out_dir)
    model.net.load_state_dict(torch.load(weights))
    options = dict(accelerator="cpu", devices=2, strategy="ddp", max_epochs=2, enable_progress_bar=False,
                   enable_model_summary=False, enable_checkpointing=False, num_sanity_val_steps=1)
    trainer = L.Trainer(
        logger=TensorBoardLogger(out_dir, name="ddp", version=0), **options,
        callbacks=[tb_confusion.lightning.ConfusionMatrixCallback(),
                   tb_confusion.lightning.ConfusionMatrixCallback(tag="predictions_by_id", ids_key="ids",
                                                                  attribute_keys="parity")],
    )
    val_loader = torch.utils.data.DataLoader(val, batch_size=16)
    trainer.fit(model, torch.utils.data.DataLoader(train, batch_size=50, shuffle=True), val_loader)

    bad = tb_confusion.lightning.ConfusionMatrixCallback(os.path.join(out_dir, "bad"), class_names=["a", "b"])
    try:
        L.Trainer(logger=False, callbacks=[bad], **options).validate(model, val_loader, verbose=False)
    except ValueError as error:
        with open(os.path.join(out_dir, f"error_rank{trainer.global_rank}.txt"), "w") as f:
            f.write(str(error))
    # gloo's threads stopped here, not destroyed at interpreter exit: a rank now and then aborted there
    # ("terminate called without an active exception") after everything had been written
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    torch.manual_seed(0)
    np.random.seed(0)
    main(sys.argv[1], sys.argv[2])
