// File inputs in the page's language (ecabinet/static/js/lib/file-pick.js). Run: node --test tests/js
import assert from "node:assert/strict";
import {test} from "node:test";

import {chosenText} from "../../ecabinet/static/js/lib/file-pick.js";

const WORDS = {choose: "Chọn tệp", none: "Chưa chọn tệp"};

test("nothing chosen says so in the page's words", () => {
  assert.equal(chosenText([], WORDS), "Chưa chọn tệp");
  assert.equal(chosenText(null, WORDS), "Chưa chọn tệp");
});

test("one file is named; several are counted and named", () => {
  assert.equal(chosenText([{name: "bien-ban.docx"}], WORDS), "bien-ban.docx");
  assert.equal(chosenText([{name: "a.png"}, {name: "b.png"}], WORDS), "2 · a.png, b.png");
});
