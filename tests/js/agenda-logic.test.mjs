// The agenda builder's pure part (ecabinet/static/js/agenda-logic.js).
import assert from "node:assert/strict";
import {test} from "node:test";

import {fieldsAtFault, formValues, itemPayload, missingFields, moved} from "../../ecabinet/static/js/agenda-logic.js";

test("a form's fields become the API's body; empty optional fields clear", () => {
  const body = itemPayload([
    ["csrf_token", "abc"], ["title", "  Dự án Luật  "], ["presenting_agency", ""],
    ["presenter_id", "7"], ["duration_min", ""], ["invitee_ids", "3"], ["invitee_ids", "5"],
  ]);
  assert.deepEqual(body, {title: "Dự án Luật", presenting_agency: null, presenter_id: 7,
    duration_min: null, confidential: false, invitee_ids: [3, 5]});
});

test("the edit form's prefix is stripped; an unticked box is sent as false, none ticked as []", () => {
  assert.deepEqual(itemPayload([["edit-title", "A"], ["edit-confidential", "y"]], {prefix: "edit-"}),
    {title: "A", confidential: true, invitee_ids: []});
  assert.deepEqual(itemPayload([["edit-title", "A"]], {prefix: "edit-"}),
    {title: "A", confidential: false, invitee_ids: []});
});

test("a non-number is left for the server to refuse", () => {
  assert.equal(itemPayload([["duration_min", "abc"]]).duration_min, "abc");
});

test("a title is needed", () => {
  assert.deepEqual(missingFields({title: ""}), ["title"]);
  assert.deepEqual(missingFields({title: "x"}), []);
});

test("moving up and down, not past either end", () => {
  assert.deepEqual(moved([1, 2, 3], 2, "up"), [2, 1, 3]);
  assert.deepEqual(moved([1, 2, 3], 2, "down"), [1, 3, 2]);
  assert.deepEqual(moved([1, 2, 3], 1, "up"), [1, 2, 3]);
  assert.deepEqual(moved([1, 2, 3], 3, "down"), [1, 2, 3]);
  assert.deepEqual(moved([1, 2, 3], 9, "up"), [1, 2, 3]);
});

test("the fields a refusal names, from the schema or from a service", () => {
  assert.deepEqual(fieldsAtFault({error: {details: {json: {title: ["x"]}}}}), ["title"]);
  assert.deepEqual(fieldsAtFault({error: {details: {invitee_ids: [9]}}}), ["invitee_ids"]);
  assert.deepEqual(fieldsAtFault({error: {message: "no"}}), []);
  assert.deepEqual(fieldsAtFault(undefined), []);
});

test("an item as its row carries it fills the edit form", () => {
  assert.deepEqual(formValues({title: "T", presenting_agency: null, presenter_id: 4,
    duration_min: null, confidential: true, invitee_ids: [2, 3]}),
  {title: "T", presenting_agency: "", presenter_id: "4", duration_min: "", confidential: true,
    invitee_ids: ["2", "3"]});
});
