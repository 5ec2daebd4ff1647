"""The demo's segmentation run: a tiny fully-convolutional network learns to tell circles, squares and
triangles apart pixel by pixel, each epoch's validation pixels logged through `tb_confusion.Accumulator`.

    python demo/segmentation.py [--logdir demo_logs_segmentation] [--epochs 6] [--seed 0]

Writes run `validation`: tag `pixels` (task "segmentation": one count per pixel, the 40 images named
"val-000" ... in the drill-down) and the scalars `train_loss` and `val_mean_iou`. Every class has the
same sizes and brightnesses, so only outlines tell the shapes apart: the first epoch calls most shapes
squares, triangles come out next, circles and squares are told apart last. Needs no TensorFlow; about
20 s on 2 CPU cores.
"""

import argparse
import os
import shutil
import sys
import time

import numpy as np
import torch
from tensorboard.compat.proto import summary_pb2

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tb_confusion as tbc  # noqa: E402
from tb_confusion.storage.events import EventWriter  # noqa: E402

CLASS_NAMES = ["background", "circle", "square", "triangle"]
IGNORE = 255  # the label of the border pixels, not counted (as Pascal VOC's outlines)
SIZE = 64
BORDER = 2
TRAIN_IMAGES = 320
VALIDATION_IMAGES = 40
EPOCHS = 6
TAG = "pixels"
# One thread: these convolutions are small, and on a busy 2-core machine two OpenMP threads waiting for each
# other made a run 3 to 10 times slower (measured: 17-21 s with one thread, 61-205 s with two).
THREADS = 1


def shapes(n, *, seed, size=SIZE):
    """(images float32 [n, 1, size, size], masks int64 [n, size, size]): up to 4 shapes per image on noise.

    Mask values index CLASS_NAMES; shapes do not overlap; the outer BORDER pixels are IGNORE."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    images = np.empty((n, 1, size, size), np.float32)
    masks = np.zeros((n, size, size), np.int64)
    for i in range(n):
        image = rng.uniform(0.0, 0.3) + np.zeros((size, size), np.float32)
        for _ in range(rng.integers(2, 5)):
            kind = int(rng.integers(1, 4))
            for _ in range(10):  # shapes do not overlap: a place is drawn until one is free
                radius = rng.uniform(7, 14)
                centre = rng.uniform(radius, size - radius, 2)
                inside = _inside(kind, rows - centre[0], cols - centre[1], radius, rng.uniform(-0.3, 0.3))
                if not masks[i][inside].any():
                    masks[i][inside] = kind
                    image[inside] = rng.uniform(0.5, 1.0)
                    break
        image += rng.normal(0, 0.2, (size, size)).astype(np.float32)
        images[i, 0] = image
    border = np.ones((size, size), bool)
    border[BORDER:-BORDER, BORDER:-BORDER] = False
    masks[:, border] = IGNORE
    return images, masks


def validation_set(seed=0):
    """(images, masks, ids "val-000" ...) of the validation images the run of `seed` logs."""
    images, masks = shapes(VALIDATION_IMAGES, seed=seed + 1)
    return images, masks, np.array([f"val-{i:03d}" for i in range(VALIDATION_IMAGES)])


def _inside(kind, dy, dx, radius, angle):
    # every kind covers about the same area (2.25 radius^2), so size tells them nothing
    if kind == 1:
        return dy * dy + dx * dx <= (0.85 * radius) ** 2
    # squares and triangles tilt by up to 0.3 rad (17 degrees)
    y = dy * np.cos(angle) - dx * np.sin(angle)
    x = dy * np.sin(angle) + dx * np.cos(angle)
    if kind == 2:
        half = radius * 0.75
        return (np.abs(y) <= half) & (np.abs(x) <= half)
    # an equilateral triangle around the centre: inside all three edges' half-planes
    inside = np.ones(dy.shape, bool)
    for k in range(3):
        inside &= y * np.cos(2 * np.pi * k / 3) + x * np.sin(2 * np.pi * k / 3) <= radius * 0.66
    return inside


class ShapesNet(torch.nn.Module):
    """A tiny fully-convolutional net: full-resolution edges, a half-resolution body of dilated 3x3
    convolutions (a view ~60 pixels wide: a whole shape), upsampled and joined to the edges, one logit per
    class and pixel."""

    def __init__(self, width=32):
        super().__init__()
        self.edges = _block(1, 16)
        body = [_block(16, width, stride=2)] + [_block(width, width, dilation=d) for d in (2, 4, 8)]
        self.body = torch.nn.Sequential(*body)
        self.classify = torch.nn.Conv2d(16 + width, len(CLASS_NAMES), 1)

    def forward(self, images):
        edges = self.edges(images)
        context = torch.nn.functional.interpolate(self.body(edges), size=edges.shape[-2:], mode="bilinear",
                                                  align_corners=False)
        return self.classify(torch.cat([edges, context], 1))


def _block(channels_in, channels_out, *, stride=1, dilation=1):
    return torch.nn.Sequential(
        torch.nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=dilation, dilation=dilation),
        torch.nn.BatchNorm2d(channels_out), torch.nn.ReLU())


def model(seed=0):
    """A freshly initialised ShapesNet (weights drawn from `seed`)."""
    torch.manual_seed(seed)
    return ShapesNet()


def predict(net, images, batch_size=20):
    """Logits [n, C, H, W] of `net` on numpy images, in evaluation mode."""
    net.eval()
    with torch.no_grad():
        return torch.cat([net(torch.from_numpy(images[a:a + batch_size]))
                          for a in range(0, len(images), batch_size)])


def train(logdir, *, epochs=EPOCHS, seed=0, progress=print, on_epoch=None):
    """Train on generated shapes and write `<logdir>/validation`: each epoch's validation pixels summed by an
    Accumulator (tag "pixels") and the scalars train_loss and val_mean_iou (for the Scalars tab).
    on_epoch(epoch, net) runs after each logged step. Returns the trained network."""
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        return _train(logdir, epochs=epochs, seed=seed, progress=progress, on_epoch=on_epoch)
    finally:
        torch.set_num_threads(threads)


def _train(logdir, *, epochs, seed, progress, on_epoch):
    x_train, y_train = shapes(TRAIN_IMAGES, seed=seed)
    x_val, y_val, ids = validation_set(seed)
    net = model(seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    accumulator = tbc.Accumulator(TAG, class_names=CLASS_NAMES, ignore_index=IGNORE, channels_first=True,
                                  from_logits=True, description="Pixels of generated shapes; the 2-pixel "
                                  "border is ignored. Click a cell for the images behind it.")
    generator = torch.Generator().manual_seed(seed)
    with EventWriter(os.path.join(logdir, "validation")) as writer:
        for epoch in range(epochs):
            net.train()
            losses = []
            for batch in torch.randperm(len(x_train), generator=generator).split(16):
                optimizer.zero_grad()
                logits = net(x_train[batch])
                loss = torch.nn.functional.cross_entropy(logits, y_train[batch], ignore_index=IGNORE)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            for a in range(0, VALIDATION_IMAGES, 8):  # batch by batch, as a validation loader gives them
                accumulator.update(y_val[a:a + 8], predict(net, x_val[a:a + 8]), example_ids=ids[a:a + 8])
            matrix = accumulator.state.matrix
            mean_iou = np.mean(np.diag(matrix) / (matrix.sum(0) + matrix.sum(1) - np.diag(matrix)))
            writer.add_summary(accumulator.summary_pb(), step=epoch)
            writer.add_summary(_scalars(train_loss=np.mean(losses), val_mean_iou=mean_iou), step=epoch)
            accumulator.reset()
            progress(epoch, epochs, f"loss {np.mean(losses):.3f}  val mean IoU {mean_iou:.3f}")
            if on_epoch is not None:
                on_epoch(epoch, net)
    return net


def _scalars(**values):
    summary = summary_pb2.Summary()
    for tag, value in values.items():
        summary.value.add(tag=tag, simple_value=float(value))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default="demo_logs_segmentation",
                        help="where to write the run (replaced)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs (default {EPOCHS})")
    parser.add_argument("--seed", type=int, default=0, help="data and weights seed (default 0)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1; got {args.epochs}")
    if os.path.isdir(args.logdir):
        shutil.rmtree(args.logdir)
    started = time.perf_counter()
    train(args.logdir, epochs=args.epochs, seed=args.seed,
          progress=lambda epoch, epochs, text: print(f"epoch {epoch + 1}/{epochs}  {text}"))
    print(f"Wrote {args.logdir} in {time.perf_counter() - started:.1f} s. See it with: "
          f"tensorboard --logdir {args.logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
