// The assignment form: when another quiz is chosen, the "As the quiz says: …" hints under each setting
// follow it, read from the page's table of what each quiz says. Without this script the hints describe the
// quiz chosen when the page was drawn, and the table lists every quiz's own settings.
(() => {
  const form = document.querySelector("[data-quiz-defaults]");
  if (!form) return;
  const table = document.getElementById(form.dataset.quizDefaults);
  const select = form.querySelector("select[name=quiz]");
  if (!table || !select) return;

  const show = () => {
    const row = table.querySelector(`tr[data-quiz="${CSS.escape(select.value)}"]`);
    if (!row) return;
    row.querySelectorAll("[data-said]").forEach((cell) => {
      const name = cell.dataset.said;
      const hint = document.getElementById(`${name === "total" ? "quiz" : name}-hint`);
      if (!hint) return;
      hint.textContent = name === "total" ? `Worth ${cell.textContent} in all.` : `As the quiz says: ${cell.textContent}`;
    });
  };
  select.addEventListener("change", show);
})();
