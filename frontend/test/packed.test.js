import {test} from "node:test";
import assert from "node:assert/strict";
import {unpackArray, unpackArrays} from "../src/packed.js";
import {pythonJson} from "./fixtures.js";

test("packed arrays from the server revive as typed arrays holding the same numbers", () => {
  const sent = pythonJson(`
import json, numpy as np
from tb_confusion.server import json_http
from tb_confusion.server.packed import Packed
values = {"f4": np.array([0.1, 0.5, 1.0, 3e-8], np.float32), "i4": np.array([0, -5, 2**31 - 1], np.int64),
          "f8": np.array([0.1, 1/3, 2.0**60]), "big": np.array([2**40, 3]), "empty": np.zeros(0)}
print(json.dumps({"packed": json.loads(json_http.json_bytes({k: Packed(v) for k, v in values.items()})),
                  "plain": {k: v.astype(np.float64).tolist() for k, v in values.items()}}))`);
  const revived = unpackArrays(sent.packed);
  assert.ok(revived.f4 instanceof Float32Array);
  assert.ok(revived.i4 instanceof Int32Array);
  assert.ok(revived.f8 instanceof Float64Array && revived.big instanceof Float64Array);
  for (const key of Object.keys(sent.plain)) assert.deepEqual(Array.from(revived[key]), sent.plain[key], key);
});

test("unpackArrays walks objects and arrays and leaves other values alone", () => {
  const body = {a: [{packed: "i4", base64: "AQAAAAIAAAA="}], b: {packed: "x"}, c: "text", d: null,
    e: {packed: "f8", base64: "", extra: 1}};
  const out = unpackArrays(body);
  assert.deepEqual(Array.from(out.a[0]), [1, 2]);
  assert.deepEqual(out.b, {packed: "x"});
  assert.equal(out.c, "text");
  assert.deepEqual(out.e, {packed: "f8", base64: "", extra: 1});
  assert.throws(() => unpackArray({packed: "i8", base64: ""}), /unknown packed array type/);
});
