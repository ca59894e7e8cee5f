/* Every file input in the page's language. Chromium draws "Choose File / No file chosen" in the
 * browser's language, not the page's: on a Vietnamese page the words were English. The input
 * itself stays where it was, focusable and named by its <label for> (keyboard, screen reader,
 * the browser's own picker), laid transparent over a button and a line drawn from the page's
 * words (<body data-choose-file data-no-file>), which are only its picture (aria-hidden).
 * Loaded by base.html on every page, so no template has anything to do.
 */

/** What the line beside the button says for the files chosen (a FileList or an array). */
export function chosenText(files, words) {
  const names = Array.from(files || [], (file) => file.name);
  if (!names.length) {
    return words.none;
  }
  return names.length === 1 ? names[0] : `${names.length} · ${names.join(", ")}`;
}

/** Draws the page's words over one file input (once). */
export function dressFileInput(input, words) {
  if (input.closest(".file-pick")) {
    return;
  }
  const doc = input.ownerDocument;
  const wrap = doc.createElement("span");
  wrap.className = "file-pick";
  const button = doc.createElement("span");
  button.className = "btn file-pick-button";
  button.setAttribute("aria-hidden", "true");
  button.textContent = words.choose;
  const line = doc.createElement("span");
  line.className = "file-pick-name";
  line.setAttribute("aria-hidden", "true");
  input.parentNode.insertBefore(wrap, input);
  wrap.append(button, line, input);
  const update = () => {
    line.textContent = chosenText(input.files, words);
  };
  input.addEventListener("change", update);
  update();
}

export function dressFileInputs(root) {
  const body = root.body || root;
  const words = {choose: body.dataset.chooseFile, none: body.dataset.noFile};
  if (!words.choose) {
    return;
  }
  root.querySelectorAll("input[type=file]").forEach((input) => dressFileInput(input, words));
}

if (typeof document !== "undefined") {
  dressFileInputs(document); // a module runs after the page is parsed
}
