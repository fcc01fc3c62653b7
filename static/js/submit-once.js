// A form that writes is sent once: a second click (or Enter) while the first is on its way does
// nothing, and its buttons are disabled until the next page. The server refuses duplicates too
// (forum.posting, meetups.proposals); this keeps fans from sending them at all.
// Likes and "me too" (form.js-toggle) send the state they want and are left alone.
const SENT_BUTTONS = "button, input[type=submit]";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const method = (form.getAttribute("method") || "").toLowerCase();
  if (event.defaultPrevented || method !== "post" || form.classList.contains("js-toggle")) return;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  // Disabled buttons are left out of the form's data: wait until the browser has taken it (with the
  // name of the button that was clicked, such as "preview").
  setTimeout(() => {
    for (const button of form.querySelectorAll(SENT_BUTTONS)) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
  }, 0);
  // If the answer never comes (a lost connection), the form may be sent again after a while.
  setTimeout(() => release(form), 15000);
});

function release(form) {
  delete form.dataset.sent;
  for (const button of form.querySelectorAll(SENT_BUTTONS)) {
    if (button.getAttribute("aria-busy") === "true") {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

// Back to a page kept in the browser's cache: its forms may be sent again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) document.querySelectorAll("form[data-sent]").forEach(release);
});
