/* The CSV import page: show what the import did, or every bad row by line and column. */
"use strict";

(() => {
  const form = document.getElementById("import-form");
  if (!form) return;
  const text = JSON.parse(document.getElementById("import-text").textContent);
  const result = document.getElementById("import-result");
  const summary = document.getElementById("import-summary");
  const table = document.getElementById("import-errors");

  function show(message, errors, notes) {
    result.hidden = false;
    summary.textContent = message;
    // Further lines: mailboxes and accounts taken over, how the file was read.
    for (const old of result.querySelectorAll(".import-note")) old.remove();
    for (const note of notes || []) {
      const line = document.createElement("p");
      line.className = "import-note";
      line.textContent = note;
      summary.after(line);
    }
    const rows = (errors || []).map((e) => {
      const tr = document.createElement("tr");
      for (const value of [e.line, e.column, e.reason]) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.append(td);
      }
      return tr;
    });
    table.tBodies[0].replaceChildren(...rows);
    table.hidden = rows.length === 0;
    result.focus();
  }

  form.addEventListener("vaxel:result", (event) => {
    const r = event.detail;
    const template = r.dry_run ? text.dry_run_done : text.import_done;
    show(template
      .replace("{rows}", r.rows).replace("{created}", r.created).replace("{updated}", r.updated)
      .replace("{unchanged}", r.unchanged).replace("{numbers}", r.numbers_assigned)
      .replace("{accounts}", r.accounts_created).replace("{units}", r.units_created.length), [],
      [
        r.encoding === "windows-1252" ? text.import_encoding : "",
        (r.mailboxes_moved || r.accounts_moved)
          ? text.import_moved.replace("{mailboxes}", r.mailboxes_moved)
            .replace("{accounts}", r.accounts_moved) : "",
      ].filter(Boolean));
  });
  form.addEventListener("vaxel:error", (event) => {
    const error = event.detail;
    const errors = error.data && error.data.errors;
    if (errors && errors.length && errors[0].line !== undefined) {
      form.querySelector(".form-error").textContent = "";  // the table below says it all
      show(`${text.import_failed} ${error.message}`, errors);
    }
  });
})();
