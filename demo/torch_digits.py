"""A PyTorch training loop that logs validation predictions through `predictions_pb` and
torch.utils.tensorboard's SummaryWriter: the TensorFlow-free door. Each digit's image goes along once,
as a thumbnail (`examples_pb`) with the predictions' ids."""

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

import tb_confusion as tbc
from tb_confusion.storage.fast_crc import speed_up_tensorboard_writer

from data import DIGIT_NAMES, stroke


def train(logdir, splits, *, epochs, progress=print):
    """Train a small MLP on digits; log validation predictions every epoch to `logdir`."""
    speed_up_tensorboard_writer()  # same files, CRC in C instead of pure Python
    torch.manual_seed(0)
    x_train, y_train, _ = splits["train"]
    x_val, y_val, ids_val = splits["validation"]
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    writer = SummaryWriter(logdir)
    writer.file_writer.add_summary(tbc.summary.examples_pb("digits", thumbnails(x_val, ids_val)), global_step=0)
    strokes = stroke(x_val)  # an attribute to slice by (thin, medium, thick)
    for epoch in range(epochs):
        model.train()
        for batch in torch.randperm(len(x_train)).split(64):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(torch.from_numpy(x_val))
        summary = tbc.summary.predictions_pb("digits", y_val, logits, from_logits=True,
                                             class_names=DIGIT_NAMES, example_ids=ids_val,
                                             attributes={"stroke": strokes})
        writer.file_writer.add_summary(summary, global_step=epoch)
        writer.add_scalar("loss", loss.item(), epoch)
        accuracy = float((logits.argmax(1).numpy() == y_val).mean())
        progress(epoch, epochs, f"loss {loss.item():.3f}  val accuracy {accuracy:.3f}")
    writer.close()
    return np.asarray(logits)


def thumbnails(x, ids, scale=4):
    """{id: uint8 [8 * scale, 8 * scale] grey image}: dark ink on white, each pixel a scale x scale block."""
    images = np.round(255 * (1 - x.reshape(-1, 8, 8))).astype(np.uint8)
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    return {str(example_id): image for example_id, image in zip(ids, images)}
