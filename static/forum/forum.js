// Likes and "me too" without a page load; the forms still work without JavaScript. Each form says
// the state it wants (on=1 or on=0), so a double click or a resent form changes nothing twice.
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
  const wanted = form.querySelector("input[name=on]");  // the next click asks for the other state
  if (wanted) wanted.value = data.on ? "0" : "1";
  form.querySelector(".count").textContent = data.count;
});
