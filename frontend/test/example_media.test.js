import {test} from "node:test";
import assert from "node:assert/strict";
import {mediaSource, mediaUrl} from "../src/example_media.js";

test("mediaUrl is the media route's relative URL with every part encoded", () => {
  assert.equal(mediaUrl("validation", "digits", "img-7"), "./media?run=validation&tag=digits&id=img-7");
  const url = new URL(mediaUrl("a/b c", "t&x=1", "<id>#?"), "http://host/data/plugin/tb_confusion/");
  assert.equal(url.pathname, "/data/plugin/tb_confusion/media");
  assert.deepEqual(Object.fromEntries(url.searchParams), {run: "a/b c", tag: "t&x=1", id: "<id>#?"});
  assert.equal(url.hash, "");
  assert.equal(mediaUrl("r", "t", 12), "./media?run=r&tag=t&id=12");
});

test("mediaSource: the first given run whose tag has media, else null", () => {
  const tags = {a: {t: {has_media: false}}, b: {t: {has_media: true}, u: {}}, c: {t: {has_media: true}}};
  assert.deepEqual(mediaSource(tags, "t", "a", "b", "c"), {run: "b", tag: "t"});
  assert.deepEqual(mediaSource(tags, "t", "c", "b"), {run: "c", tag: "t"});
  assert.equal(mediaSource(tags, "u", "a", "b"), null);
  assert.equal(mediaSource(tags, "t", "a", null, undefined), null);
  assert.equal(mediaSource(null, "t", "b"), null);
});
