/* The material's form (repository.page_forms.MaterialPageForm): a file chosen in "Tải tệp lên" is
   stored at once (repository.views.deposit.upload_view), becomes the form's "Tệp", and the empty
   title and type are filled from the answer. Without this script the file is uploaded with the form
   and the same proposals are made on the server. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fillIfEmpty(field, value) {
    if (field && value && !field.value.trim()) {
      field.value = value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function text(input, key, values) {
    var template = input.getAttribute("data-text-" + key) || "";
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return values && name in values ? values[name] : match;
    });
  }

  function showStatus(input, messages) {
    var box = input.parentElement.querySelector("[data-hoclieu-upload-status]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-hoclieu-upload-status", "");
      box.setAttribute("role", "status");
      input.insertAdjacentElement("afterend", box);
    }
    box.className = messages.error ? "error-message" : "help";
    box.textContent = messages.text;
  }

  function chooseFile(id, title) {
    var hidden = document.getElementById("id_file");
    if (!hidden) return;
    hidden.value = String(id);
    hidden.setAttribute("value", String(id));
    var chooser = document.getElementById("id_file-chooser");
    if (chooser) {
      chooser.classList.remove("blank");
      var titleElement = chooser.querySelector("[data-chooser-title]");
      if (titleElement) titleElement.textContent = title;
    }
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function upload(input) {
    var file = input.files && input.files[0];
    var url = input.getAttribute("data-hoclieu-upload-url");
    if (!file || !url) return;
    var form = input.form;
    var data = new FormData();
    data.append("file", file);
    input.value = ""; // stored once, here: the form does not send it again
    input.disabled = true;
    showStatus(input, { text: text(input, "uploading", { name: file.name }) });
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        input.disabled = false;
        if (!result.ok) {
          showStatus(input, { error: true, text: (result.body.errors || []).join(" ") });
          return;
        }
        var body = result.body;
        chooseFile(body.id, body.title);
        fillIfEmpty(form.querySelector("#id_title"), body.title);
        fillIfEmpty(form.querySelector("#id_material_type"), body.material_type);
        showStatus(input, { text: text(input, "uploaded", { title: body.title, state: body.processing }) });
        input.setAttribute("data-hoclieu-uploaded", String(body.id));
      })
      .catch(function () {
        input.disabled = false;
        showStatus(input, { error: true, text: text(input, "failed") });
      });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-hoclieu-upload]")) {
      upload(input);
    }
  });
})();
