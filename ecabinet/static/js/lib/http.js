/* The JSON API from a page: the session cookie authenticates, and every write carries the CSRF
 * token the page was rendered with (<meta name="csrf-token">), which the API checks. */

/** The page's CSRF token, or "" on a page rendered without one. */
export function csrfToken(doc = globalThis.document) {
  const meta = doc && doc.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** The message of the API's error answer ({error: {message}}), or ``fallback``. */
export function errorMessage(answer, fallback) {
  return (answer && answer.error && answer.error.message) || fallback;
}

/**
 * ``method`` ``url`` with ``body`` as JSON; resolves with the answer's JSON (null for 204).
 * A refusal rejects with an Error whose message is the API's (``fallback`` when it has none)
 * and whose ``data`` is the answer.
 */
export async function api(method, url, body, {fallback = "", fetchImpl = globalThis.fetch} = {}) {
  const headers = {Accept: "application/json"};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (method !== "GET") {
    headers["X-CSRFToken"] = csrfToken();
  }
  const response = await fetchImpl(url, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) {
    return null;
  }
  let data = {};
  try {
    data = await response.json();
  } catch (ignored) { /* not JSON: a proxy's error page */ }
  if (!response.ok) {
    const error = new Error(errorMessage(data, fallback));
    error.data = data;
    throw error;
  }
  return data;
}
