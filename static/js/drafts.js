// Drafts on the server (forum/drafts.py): a form with data-draft-url saves what the fan types, a
// second after they stop, and on opening restores the draft saved from any device. Without this
// script the form works as before; the draft is dropped on the server when the post is made.
const SAVE_AFTER_MS = 1000;

for (const form of document.querySelectorAll("form[data-draft-url]")) {
  const url = form.dataset.draftUrl;
  const body = form.querySelector("textarea[name=body]");
  const title = form.querySelector("input[name=title]");
  const status = form.querySelector(".draft-status");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!body || !token) continue;
  let timer = null;
  let sent = false;
  let last = body.value + "\u0000" + (title ? title.value : "");

  const say = (text) => { if (status) status.textContent = text; };

  async function restore() {
    if (body.value.trim() || (title && title.value.trim())) return;  // the page already holds text
    const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
    if (!response.ok || response.status === 204) return;  // 204: nothing saved
    const draft = await response.json();
    if (body.value.trim() || (title && title.value.trim())) return;  // the fan began typing meanwhile
    body.value = draft.body;
    if (title && draft.title) title.value = draft.title;
    last = body.value + "\u0000" + (title ? title.value : "");
    say(form.dataset.draftRestored);
  }

  async function save() {
    timer = null;
    const now = body.value + "\u0000" + (title ? title.value : "");
    if (sent || now === last) return;
    last = now;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    data.append("body", body.value);
    if (title) data.append("title", title.value);
    const response = await fetch(url, {method: "POST", body: data, credentials: "same-origin"});
    if (response.ok && !sent) say(response.status === 204 ? "" : form.dataset.draftSaved);
  }

  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER_MS);
  };
  body.addEventListener("input", later);
  if (title) title.addEventListener("input", later);
  // Posting drops the draft on the server: nothing may be saved after the form has gone.
  form.addEventListener("submit", () => {
    sent = true;
    if (timer) clearTimeout(timer);
  });
  window.addEventListener("pageshow", (event) => { if (event.persisted) sent = false; });
  restore();
}
