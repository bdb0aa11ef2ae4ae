// Progressive enhancements only: every form also works without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Language switcher: submit on change and hide the now-redundant button.
  for (const form of document.querySelectorAll("form.js-autosubmit")) {
    const button = form.querySelector(".js-autosubmit-button");
    if (button) button.classList.add("visually-hidden");
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.requestSubmit());
    }
  }
  // Transition form: the resolution fields matter only when resolving.
  const target = document.getElementById("id_to");
  const resolution = document.getElementById("resolution-fields");
  if (target && resolution) {
    const sync = () => { resolution.hidden = target.value !== "resolved"; };
    target.addEventListener("change", sync);
    sync();
  }
});
