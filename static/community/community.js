// A tap on a fan's name under a post opens their card (one request; the browser keeps it a minute);
// the name stays a link to the profile without JavaScript. The navigation's check-in is one tap.
(function () {
  "use strict";
  let dialog = null;
  function ensureDialog() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "user-card-dialog";
      dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
      document.body.append(dialog);
    }
    return dialog;
  }
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-card]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    try {
      const response = await fetch(link.dataset.card, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const box = ensureDialog();
      box.innerHTML = await response.text();
      box.showModal();
    } catch (error) {
      window.location.href = link.href;
    }
  });
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-checkin]");
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const data = await response.json();
      const done = document.createElement("a");
      done.href = form.action;
      done.className = "checkin-done";
      done.setAttribute("role", "status");
      done.textContent = data.text || data.error;
      form.replaceWith(done);
    } catch (error) {
      form.submit();
    }
  });
})();
