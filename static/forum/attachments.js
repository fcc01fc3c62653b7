// Files in a post form: list what was chosen (flagging files over the size limit before they are
// sent), and take screenshots pasted or dropped onto the form into its image input. Without
// JavaScript the inputs still work; the server checks everything again (forum/attachments.py).
(() => {
  const listFor = (input) => {
    const list = document.createElement("ul");
    list.className = "file-picks";
    list.setAttribute("aria-live", "polite");
    input.after(list);
    return () => {
      list.replaceChildren(...Array.from(input.files, (file) => {
        const item = document.createElement("li");
        item.textContent = file.name;
        if (file.size > Number(input.dataset.maxBytes)) {
          item.className = "too-big";
          item.textContent += " — " + input.dataset.tooBig;
        }
        return item;
      }));
    };
  };
  for (const form of document.querySelectorAll("form.post-form")) {
    for (const input of form.querySelectorAll("input[type=file]")) {
      const show = listFor(input);
      input.addEventListener("change", show);
      if (input.name !== "images") continue;
      const add = (files) => {
        const images = Array.from(files).filter((file) => file.type.startsWith("image/"));
        if (!images.length) return false;
        const all = new DataTransfer();
        for (const file of [...input.files, ...images]) all.items.add(file);
        input.files = all.files;
        show();
        return true;
      };
      form.addEventListener("paste", (event) => {
        if (event.clipboardData && add(event.clipboardData.files)) event.preventDefault();
      });
      form.addEventListener("dragover", (event) => {
        if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) event.preventDefault();
      });
      form.addEventListener("drop", (event) => {
        if (event.target === input || !event.dataTransfer) return;
        if (add(event.dataTransfer.files)) event.preventDefault();
      });
    }
  }
})();
