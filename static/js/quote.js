// The Quote button quotes what the fan selected inside that post, or else the whole post's text as
// the page shows it (never its Markdown source), as a Markdown quote with the author and a link to
// the floor, at the cursor of the reply box. Without this script the link opens the reply form with
// the whole post quoted by the server (forum.writing_views.quote_initial), in the same form.
const SPECIAL = /([\\`*_[\]<>#|~!])/g;
const escape = (text) => text.replace(SPECIAL, "\\$1");

// Phones drop the selection when a button is tapped: remember the last one made inside a post.
let picked = null;
document.addEventListener("selectionchange", () => {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return;
  const node = selection.getRangeAt(0).commonAncestorContainer;
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const inside = element && element.closest(".post-body");
  const text = selection.toString().trim();
  if (inside && text) picked = {body: inside, text};
});

function quoteText(name, floor, url, text) {
  const lines = [`> **${escape(name)}** [#${floor}](${url}):`];
  for (const line of text.split(/\r?\n/)) lines.push(`> ${escape(line.replace(/\s+/g, " ").trim())}`.trimEnd());
  return lines.join("\n").replace(/(\n>)+$/, "") + "\n\n";
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("a.js-quote");
  const box = document.querySelector("#reply textarea[name=body]");
  if (!button || !box) return;
  const post = document.getElementById(`floor-${button.dataset.floor}`);
  const body = post && post.querySelector(".post-body");
  if (!body) return;
  event.preventDefault();
  const text = picked && picked.body === body ? picked.text : body.innerText.trim();
  picked = null;
  const quote = quoteText(button.dataset.name, button.dataset.floor, button.dataset.url, text);
  const at = box.selectionStart ?? box.value.length;
  const before = box.value.slice(0, at);
  box.value = before + (before && !before.endsWith("\n\n") ? "\n\n" : "") + quote + box.value.slice(at);
  const hidden = box.form.querySelector("input[name=quote]");
  if (hidden) hidden.value = button.dataset.post;
  box.dispatchEvent(new Event("input", {bubbles: true}));  // drafts.js saves it
  box.focus();
  box.scrollIntoView({block: "center"});
});
