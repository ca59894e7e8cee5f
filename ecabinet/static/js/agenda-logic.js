/* The agenda builder's pure part (agenda-builder.js draws and sends): what a form's fields
 * become for the API, the order after a move, which fields an error answer names. */

const NULLABLE_TEXT = ["presenting_agency"];
const NULLABLE_INT = ["presenter_id", "duration_min"];

/**
 * The JSON body of ``POST …/agenda-items`` or ``PATCH …/items/{id}`` from a form's
 * ``[name, value]`` entries (FormData), field names stripped of ``prefix`` ("edit-").
 * Empty optional fields are sent as null (they clear); the confidential box and the invitee
 * boxes are sent even when none is ticked, so that unticking them takes effect.
 */
export function itemPayload(entries, {prefix = ""} = {}) {
  const body = {confidential: false, invitee_ids: []};
  for (const [rawName, rawValue] of entries) {
    const name = prefix && rawName.startsWith(prefix) ? rawName.slice(prefix.length) : rawName;
    const value = typeof rawValue === "string" ? rawValue.trim() : rawValue;
    if (name === "title") {
      body.title = value;
    } else if (NULLABLE_TEXT.includes(name)) {
      body[name] = value === "" ? null : value;
    } else if (NULLABLE_INT.includes(name)) {
      const number = value === "" || value === "None" ? null : Number(value);
      body[name] = Number.isInteger(number) ? number : (number === null ? null : value);
    } else if (name === "confidential") {
      body.confidential = value !== "" && value !== "n";
    } else if (name === "invitee_ids") {
      body.invitee_ids.push(Number(value));
    }
  }
  return body;
}

/** The problems the page checks before sending: the field names at fault. */
export function missingFields(body) {
  return body.title ? [] : ["title"];
}

/** ``ids`` with ``id`` moved one place "up" or "down" (unchanged at either end). */
export function moved(ids, id, direction) {
  const order = ids.slice();
  const at = order.indexOf(id);
  const to = direction === "up" ? at - 1 : at + 1;
  if (at === -1 || to < 0 || to >= order.length) {
    return order;
  }
  [order[at], order[to]] = [order[to], order[at]];
  return order;
}

/**
 * The fields an API refusal names: its ``details`` are ``{field: [...]}`` from a service, or
 * ``{json: {field: [...]}}`` from the schema.
 */
export function fieldsAtFault(answer) {
  const details = (answer && answer.error && answer.error.details) || {};
  const fields = details.json && typeof details.json === "object" ? details.json : details;
  return Object.keys(fields);
}

/** The values an edit form starts from: the item as the row carries it (``data-item``). */
export function formValues(item) {
  return {
    title: item.title || "",
    presenting_agency: item.presenting_agency || "",
    presenter_id: item.presenter_id == null ? "" : String(item.presenter_id),
    duration_min: item.duration_min == null ? "" : String(item.duration_min),
    confidential: !!item.confidential,
    invitee_ids: (item.invitee_ids || []).map(String),
  };
}
