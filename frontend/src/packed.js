// Arrays the server packs (tb_confusion/server/packed.py): {"packed": "f4" | "i4" | "f8", "base64": ...}
// holding little-endian bytes. Revived as typed arrays, whose elements are exactly the sent numbers.

const TYPES = {f4: Float32Array, i4: Int32Array, f8: Float64Array};

/** A typed array from one packed entry. */
export function unpackArray({packed, base64}) {
  const Type = TYPES[packed];
  if (!Type) throw new Error(`unknown packed array type ${JSON.stringify(packed)}`);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Type(bytes.buffer);  // typed arrays use the platform's byte order: little-endian everywhere browsers run
}

function isPacked(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    typeof value.packed === "string" && typeof value.base64 === "string" && Object.keys(value).length === 2;
}

/** `value` with every packed entry (at any depth of objects and arrays) replaced by its typed array. */
export function unpackArrays(value) {
  if (isPacked(value)) return unpackArray(value);
  if (Array.isArray(value)) return value.map(unpackArrays);
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) value[key] = unpackArrays(value[key]);
  }
  return value;
}
