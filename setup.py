"""tb_confusion: confusion matrices and threshold metrics for every epoch, in TensorBoard."""

import pathlib
import re

from setuptools import find_packages, setup

here = pathlib.Path(__file__).parent
version = re.search(r'__version__ = "([^"]+)"', (here / "tb_confusion" / "__init__.py").read_text()).group(1)

setup(
    name="tb_confusion",
    version=version,
    description="A TensorBoard plugin that rebuilds confusion matrices and threshold metrics from logged predictions",
    long_description=(here / "README.md").read_text(encoding="utf-8") if (here / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    # The browser's files live in frontend/src and ship inside the wheel as tb_confusion/static.
    packages=find_packages(include=["tb_confusion", "tb_confusion.*"]) + ["tb_confusion.static"],
    package_dir={"tb_confusion.static": "frontend/src"},
    package_data={"tb_confusion": ["tb_confusion.proto"], "tb_confusion.static": ["*.js", "*.css", "*.html"]},
    install_requires=[
        "tensorboard>=2.12",
        "numpy>=1.23",
        "protobuf>=3.20",
        "werkzeug>=2.0",
        "google-crc32c>=1.5",
    ],
    extras_require={
        "tensorflow": ["tensorflow>=2.13"],
        "log": ["tqdm>=4.60", "pyarrow>=10"],  # `tb-confusion log`: progress bar, Parquet
        "s3": ["boto3>=1.28.57"],  # s3:// logdirs (docs/s3.md); 1.28.57 reads AWS_ENDPOINT_URL
        "lightning": ["lightning>=2.0"],
        "tensorboardx": ["tensorboardX>=2.0"],
        "transformers": ["transformers>=4.41", "accelerate>=1.1"],
        "xgboost": ["xgboost>=2.0"],
        "lightgbm": ["lightgbm>=4.0"],
        "fast": ["numba>=0.60"],  # the compiled per-pixel Accumulator kernel; 0.60 is the first for numpy 2
        "test": ["pytest>=7", "hypothesis>=6", "scikit-learn>=1.5", "playwright>=1.40"],
    },
    entry_points={
        "tensorboard_plugins": ["tb_confusion = tb_confusion.server.plugin:ConfusionLoader"],
        "console_scripts": ["tb-confusion = tb_confusion.cli:main"],
    },
    classifiers=[
        "Framework :: TensorFlow",
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
