"""The demo: train real models on digits, log every epoch's predictions, open the Confusion tab.
A segmentation run (generated shapes, per-pixel counts) joins them, at most 6 epochs of it.

    python demo/run_demo.py [--logdir demo_logs] [--epochs 30] [--no-serve] [--port 6006]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import data  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default="demo_logs", help="where to write the runs (replaced)")
    parser.add_argument("--epochs", type=int, default=30,
                        help="epochs per model (default 30; the segmentation model: at most 6)")
    parser.add_argument("--no-serve", action="store_true", help="only write the logdir; do not start tensorboard")
    parser.add_argument("--port", type=int, default=6006, help="tensorboard port (the next free one is used if busy)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1; got {args.epochs}")

    write_logs(args.logdir, args.epochs)
    if args.no_serve:
        print(f"Logs are in {args.logdir}. See them with: tensorboard --logdir {args.logdir}")
        return 0
    return serve(args.logdir, args.port)


def write_logs(logdir, epochs):
    """Train the three Keras models and the PyTorch one, logging predictions every epoch, then the
    segmentation model (min(epochs, segmentation.EPOCHS) epochs)."""
    if os.path.isdir(logdir):
        shutil.rmtree(logdir)
    splits = data.digits_splits()
    started = time.perf_counter()
    import keras_digits  # imports TensorFlow: after argument checks, so --help stays fast

    for task in keras_digits.TASKS:
        keras_digits.train(task, os.path.join(logdir, task), splits, epochs=epochs, progress=_progress(task))
    import torch_digits

    torch_digits.train(os.path.join(logdir, "torch_digits"), splits, epochs=epochs,
                       progress=_progress("torch_digits"))
    import segmentation

    segmentation_started = time.perf_counter()
    segmentation.train(os.path.join(logdir, "segmentation"), epochs=min(epochs, segmentation.EPOCHS),
                       progress=_progress("segmentation"))
    print(f"Wrote {logdir} in {time.perf_counter() - started:.0f} s "
          f"(segmentation: {time.perf_counter() - segmentation_started:.0f} s)")


def _progress(name):
    def show(epoch, epochs, text):
        done = int(20 * (epoch + 1) / epochs)
        line = f"\r  {name:<18} [{'#' * done}{'.' * (20 - done)}] epoch {epoch + 1:>3}/{epochs}  {text}"
        sys.stdout.write(line)
        if epoch + 1 == epochs:
            sys.stdout.write("\n")
        sys.stdout.flush()
    return show


def serve(logdir, port):
    """Run tensorboard on 127.0.0.1 until Ctrl-C."""
    port = _free_port(port)
    tensorboard = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    command = [tensorboard if os.path.exists(tensorboard) else "tensorboard",
               "--logdir", logdir, "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    print(f"\nTensorBoard is starting. Open the Confusion tab:\n\n    http://127.0.0.1:{port}/#tb_confusion\n")
    print("Press Ctrl-C to stop.")
    try:
        return process.wait()
    except KeyboardInterrupt:
        print("\nStopping TensorBoard...")
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0


def _free_port(preferred):
    for port in [preferred] + list(range(preferred + 1, preferred + 50)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit(f"no free port near {preferred}; pass --port")


if __name__ == "__main__":
    sys.exit(main())
