"""Example media (thumbnails, short text) of a predictions tag: the writer's checks, the bytes, the `media`
route through TensorBoard's WSGI app and a real tensorboard in both loaders, and the offline reader."""

import io
import json
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from tb_confusion import errors
from tb_confusion.reading.media import media as read_media
from tb_confusion.storage import _proto, media
from tb_confusion.storage.events import EventWriter
from tb_confusion.summary import examples_pb, predictions_pb
from test_plugin_routes import EVIL, make_client
from tb_process import running_tensorboard

PREFIX = "/data/plugin/tb_confusion"
N = 12
GREY = np.arange(8 * 8, dtype=np.uint8).reshape(8, 8) * 4
RGB = np.stack([GREY, 255 - GREY, np.full_like(GREY, 9)], axis=2)
PNG = media.encode_png(GREY)


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def _table_of(summary):
    (value,) = summary.value
    return value, media.decode(value.tensor.string_val[0])


# -- the writer -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("image", [GREY, RGB, GREY[:, :, None], np.dstack([RGB, GREY]), GREY[:1, :3]],
                         ids=["grey", "rgb", "grey-1-channel", "rgba", "1x3"])
def test_images_are_encoded_to_pngs_that_decode_to_the_same_pixels(image):
    value, table = _table_of(examples_pb("digits", {"a": image}))
    assert value.tag == "digits/tbc_media"
    assert value.metadata.plugin_data.plugin_name == media.MEDIA_PLUGIN_NAME
    item = table.get("a")
    assert item.kind == "png"
    assert np.array_equal(_pixels(item.data), image[:, :, 0] if image.shape[-1:] == (1,) else image)


def test_png_bytes_and_text_are_stored_as_given():
    summary = examples_pb("p", {"x": PNG, "y": "a <b>cat</b> é", "z": ""})
    (value,) = summary.value
    assert media.parse_plugin_data(value.metadata.plugin_data.content).predictions_tag == "p"
    assert media.decode(value.tensor.string_val[0]).as_dict() == {"x": PNG, "y": "a <b>cat</b> é", "z": ""}


BIG_PNG = media.PNG_SIGNATURE + bytes(media.MAX_PNG_BYTES)


@pytest.mark.parametrize("name, value, kind, message", [
    ("p", [("a", PNG)], "auto", "media must be a mapping of example id.*got list"),
    ("p", {}, "auto", "media must hold at least one example"),
    ("p", {"a": PNG}, "png", "kind must be one of 'auto', 'image', 'text'; got 'png'"),
    ("", {"a": PNG}, "auto", "name must be a non-empty string"),
    ("p", {3: PNG}, "auto", r"media ids must be str .*got 3 of type int"),
    ("p", {"": PNG}, "auto", "media ids must be non-empty"),
    ("p", {"a\ud800": PNG}, "auto", "media ids must be UTF-8"),
    ("p", {"a": b"GIF89a...."}, "auto", r"media\['a'\] must be PNG bytes.*GIF89a"),
    ("p", {"a": BIG_PNG}, "auto", r"media\['a'\] is a PNG of 65,544 bytes; the limit is 65,536"),
    ("p", {"a": "x" * 1001}, "auto", r"media\['a'\] is text of 1,001 characters; the limit is 1,000"),
    ("p", {"a": GREY.astype(np.float32)}, "auto", r"media\['a'\] must be a uint8 image.*got dtype float32"),
    ("p", {"a": np.zeros((2, 2, 5), np.uint8)}, "auto", r"media\['a'\] must have shape.*got shape \(2, 2, 5\)"),
    ("p", {"a": np.zeros((2, 2, 1, 1), np.uint8)}, "auto", r"media\['a'\] must have shape"),
    ("p", {"a": np.zeros((0, 4), np.uint8)}, "auto", r"media\['a'\] must have 1 to"),
    ("p", {"a": np.zeros((2048, 2048), np.uint8)}, "auto", r"media\['a'\] must have 1 to 1,048,576 pixels"),
    ("p", {"a": 7}, "auto", r"media\['a'\] must be PNG bytes, a uint8 image array.*got int"),
    ("p", {"a": PNG}, "text", r"media\['a'\] must be a str with kind='text'; got bytes"),
    ("p", {"a": "hi"}, "image", r"media\['a'\] must be an image with kind='image'; got text 'hi'"),
])
def test_bad_input_is_refused_naming_the_argument_and_the_value(name, value, kind, message):
    with pytest.raises(errors.BadArgument, match=message):
        examples_pb(name, value, kind=kind)


def test_a_table_over_32_mib_is_refused():
    big = media.PNG_SIGNATURE + bytes(60_000)
    with pytest.raises(errors.BadArgument, match=r"more than 33,554,432 bytes.*by example '5[0-9][0-9]'"):
        examples_pb("p", {str(i): big for i in range(600)})


# -- the bytes ------------------------------------------------------------------------------------------


def _blob(**changes):
    table = _proto.MediaTable.FromString(media.encode(media.prepare({"a": PNG, "b": "text"})))
    for name, value in changes.items():
        if name == "items":
            del table.items[:]
            for item in value:
                table.items.add(**item)
        else:
            setattr(table, name, value)
    table.ClearField("checksum")
    body = table.SerializeToString()
    return body + bytes([3 << 3 | 5]) + __import__("struct").pack("<I", __import__("google_crc32c").value(body))


@pytest.mark.parametrize("blob, error, message", [
    (_blob(version=2), errors.NewerFormat, "media version 2.*upgrade tb_confusion"),
    (_blob(items=[{"id": "a", "kind": "png", "data": PNG}, {"id": "a", "kind": "text", "data": b"x"}]),
     errors.Unreadable, "repeated id 'a'"),
    (_blob(items=[{"id": "a", "kind": "gif", "data": b"GIF8"}]), errors.Unreadable, "kind 'gif'"),
    (_blob(items=[{"id": "a", "kind": "png", "data": b"<html>"}]), errors.Unreadable, "not a PNG"),
    (_blob(items=[{"id": "a", "kind": "text", "data": b"\xff"}]), errors.Unreadable, "not UTF-8"),
    (media.encode(media.prepare({"a": PNG}))[:-5], errors.Unreadable, "no checksum"),
    (b"\x0a\x03abc", errors.Unreadable, "corrupt tb_confusion media table"),
])
def test_a_damaged_newer_or_foreign_table_is_refused(blob, error, message):
    with pytest.raises(error, match=message):
        media.decode(blob)


def test_a_flipped_byte_fails_the_checksum():
    blob = bytearray(media.encode(media.prepare({"a": PNG})))
    blob[20] ^= 1
    with pytest.raises(errors.Unreadable, match="checksum does not match"):
        media.decode(bytes(blob))


# -- the route and the offline reader -------------------------------------------------------------------

IDS = [f"img_{i}" for i in range(N)]
THUMBNAILS = {i: np.kron(np.eye(2, dtype=np.uint8) * 20 * k, np.ones((4, 4), np.uint8)) for k, i in enumerate(IDS)}


def write_logdir(root):
    """Run `validation`: predictions tags "digits" (with media: PNGs, one text with HTML) and "plain"
    (without); the media written at step 0, then replaced at step 1 (the replaced table has a stale id)."""
    rng = np.random.default_rng(0)
    with EventWriter(str(root / "validation")) as writer:
        writer.add_summary(examples_pb("digits", {"stale": "written first, replaced later"}), 0)
        for step in range(3):
            labels = rng.integers(0, 3, N)
            p = rng.dirichlet(np.ones(3), N).astype(np.float32)
            writer.add_summary(predictions_pb("digits", labels, p, example_ids=IDS), step)
            writer.add_summary(predictions_pb("plain", labels, p), step)
        content = {i: THUMBNAILS[i] for i in IDS[:-1]}
        content[IDS[-1]] = EVIL
        writer.add_summary(examples_pb("digits", content), 1)
    return root


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return write_logdir(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="module")
def client(logdir):
    return make_client(logdir)


def _get(client, **params):
    return client.get(f"{PREFIX}/media", query_string=params)


def test_the_tags_route_flags_tags_with_media_and_never_lists_the_media_tag(client):
    tags = json.loads(client.get(f"{PREFIX}/tags").get_data())
    assert set(tags["validation"]) == {"digits", "plain"}
    assert tags["validation"]["digits"]["has_media"] is True
    assert tags["validation"]["plain"]["has_media"] is False


def test_a_thumbnail_is_served_as_the_png_written(client):
    response = _get(client, run="validation", tag="digits", id="img_3")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == media.encode_png(THUMBNAILS["img_3"])
    assert np.array_equal(_pixels(response.get_data()), THUMBNAILS["img_3"])
    again = _get(client, run="validation", tag="digits", id="img_3").headers
    assert client.get(f"{PREFIX}/media", query_string={"run": "validation", "tag": "digits", "id": "img_3"},
                      headers={"If-None-Match": again["ETag"]}).status_code == 304


def test_text_is_served_as_json_never_as_html(client):
    response = _get(client, run="validation", tag="digits", id=IDS[-1])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(response.get_data()) == {"id": IDS[-1], "kind": "text", "text": EVIL}


@pytest.mark.parametrize("params, status, message", [
    ({"run": "validation", "tag": "digits", "id": "stale"}, 404, "no example media for id \"stale\""),
    ({"run": "validation", "tag": "plain", "id": "img_0"}, 404, "no example media logged for run 'validation' "
                                                               "tag 'plain'"),
    ({"run": "train", "tag": "digits", "id": "img_0"}, 404, "no example media logged"),
    ({"run": "validation", "tag": "digits"}, 400, "missing parameter 'id'"),
])
def test_missing_media_is_a_json_error(client, params, status, message):
    response = _get(client, **params)
    assert response.status_code == status
    assert message in json.loads(response.get_data())["error"]


def test_post_is_405(client):
    response = client.post(f"{PREFIX}/media", query_string={"run": "validation", "tag": "digits", "id": "img_0"})
    assert response.status_code == 405


def test_the_offline_reader_gives_the_last_table(logdir):
    found = read_media(str(logdir), "validation", "digits")
    assert set(found) == set(IDS)
    assert found[IDS[-1]] == EVIL
    assert found["img_5"] == media.encode_png(THUMBNAILS["img_5"])
    with pytest.raises(errors.NotFound, match="no example media logged for run 'validation' tag 'plain'"):
        read_media(str(logdir), "validation", "plain")


def test_predictions_readers_never_see_the_media_tag(logdir):
    import tb_confusion as tbc

    assert {(r.run, r.tag) for r in tbc.read(str(logdir))} == {("validation", "digits"), ("validation", "plain")}


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


@pytest.mark.slow
@pytest.mark.parametrize("args", [(), ("--load_fast=false",)], ids=["fast-loader", "python-loader"])
def test_a_real_tensorboard_serves_the_media_in_both_loaders(logdir, args):
    with running_tensorboard(logdir, *args) as base_url:
        url = f"{base_url}{PREFIX}/media?run=validation&tag=digits&id="
        deadline = time.monotonic() + 60
        while _fetch(url + "img_0")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)  # ingestion runs in the background
        for example_id in IDS[:-1]:
            status, content_type, body = _fetch(url + example_id)
            assert (status, content_type) == (200, "image/png")
            assert body == media.encode_png(THUMBNAILS[example_id])
        status, content_type, body = _fetch(url + IDS[-1])
        assert status == 200 and content_type.startswith("application/json")
        assert json.loads(body)["text"] == EVIL
        status, _, body = _fetch(url + "stale")
        assert status == 404 and "stale" in json.loads(body)["error"]
        tags = json.loads(_fetch(f"{base_url}{PREFIX}/tags")[2])
        assert set(tags["validation"]) == {"digits", "plain"}
        assert (tags["validation"]["digits"]["has_media"], tags["validation"]["plain"]["has_media"]) == (True, False)


def test_the_demo_logs_each_validation_digit_as_a_thumbnail_with_the_predictions_ids(tmp_path):
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo"))
    import data
    import torch_digits

    import tb_confusion as tbc

    splits = data.digits_splits()
    torch_digits.train(str(tmp_path), splits, epochs=1, progress=lambda *args: None)
    (record,) = tbc.read(str(tmp_path), tag="digits")
    found = read_media(str(tmp_path), ".", "digits")
    assert set(found) == set(record.example_ids)
    x, _, ids = splits["validation"]
    image = _pixels(found[str(ids[5])])
    assert image.shape == (32, 32) and image.dtype == np.uint8
    assert np.array_equal(image[::4, ::4], np.round(255 * (1 - x[5].reshape(8, 8))).astype(np.uint8))


def test_the_tf_summary_door_writes_what_examples_pb_holds(tmp_path):
    tf = pytest.importorskip("tensorflow")
    from tensorboard.compat.proto import event_pb2

    from tb_confusion.storage.events import read_records
    from tb_confusion.summary import examples

    content = {"a": GREY, "b": "text"}
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        assert bool(examples("digits", content))
    (name,) = [f for f in tmp_path.iterdir() if "tfevents" in f.name]
    events = [event_pb2.Event.FromString(r) for r in read_records(name.read_bytes())]
    ((step, written),) = [(e.step, e.summary) for e in events if e.HasField("summary")]
    (value,), (expected,) = written.value, examples_pb("digits", content).value
    assert step == 0 and value.tag == expected.tag
    assert value.metadata.plugin_data == expected.metadata.plugin_data
    assert value.tensor.string_val == expected.tensor.string_val
    assert read_media(str(tmp_path), ".", "digits") == {"a": media.encode_png(GREY), "b": "text"}
