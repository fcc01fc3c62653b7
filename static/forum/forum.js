// Likes and "me too" without a page load; the forms still work without JavaScript.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.js-toggle");
  if (!form) return;
  event.preventDefault();
  const response = await fetch(form.action, {method: "POST", body: new FormData(form),
                                             headers: {"X-Requested-With": "fetch"}});
  if (!response.ok) { form.submit(); return; }
  const data = await response.json();
  const button = form.querySelector("button");
  button.setAttribute("aria-pressed", data.on ? "true" : "false");
  button.classList.toggle("secondary", !data.on);
  form.querySelector(".count").textContent = data.count;
});
