// The plugin's JSON routes, by relative URL (works under --path_prefix and proxies).
// A non-2xx response becomes an ApiError carrying the server's {"error": ...} message.

import {unpackArrays} from "./packed.js";

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

// Parameters given once per value (`slice=a=1&slice=b=2`); other lists are joined with commas.
const REPEATED = new Set(["slice"]);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    if (REPEATED.has(key) && Array.isArray(value)) for (const item of value) search.append(key, String(item));
    else search.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** GET ./<route>?<params> as JSON. */
export async function getJson(route, params = {}) {
  let response;
  try {
    response = await fetch(`./${route}${query(params)}`, {headers: {Accept: "application/json"}});
  } catch (error) {
    throw new ApiError(`Could not reach TensorBoard (${error.message}).`, 0);
  }
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.ok ? `The ${route} route sent invalid JSON.` : `${route}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
  }
  // Only the status decides: the server pairs {"error"} with a non-2xx status, and a 2xx body may
  // hold a key "error" as data (e.g. the tags of a run named "error").
  if (!response.ok) {
    const message = body && typeof body === "object" && typeof body.error === "string" ? body.error : null;
    throw new ApiError(message ?? `${route}: HTTP ${response.status}`, response.status);
  }
  return body;
}

export const api = {
  catalogue: () => getJson("catalogue"),
  tags: () => getJson("tags"),
  steps: (run, tag) => getJson("steps", {run, tag}),
  stats: (run, tag, step, extra = {}) => getJson("stats", {run, tag, step, ...extra}).then(unpackArrays),
  report: (params) => getJson("report", params),
  examples: (params) => getJson("examples", params),
  epochs: (params) => getJson("epochs", params),
  curves: (params) => getJson("curves", params),
  attributes: (params) => getJson("attributes", params),
  slices: (params) => getJson("slices", params),
};
