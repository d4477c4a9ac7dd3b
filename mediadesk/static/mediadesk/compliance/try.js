// 试一试: the platform and industry selects feed the live check of the text box.
document.addEventListener("DOMContentLoaded", () => {
  const text = document.getElementById("id_text");
  if (!text) return;
  for (const [name, key] of [["platform", "platform"], ["industry", "industry"]]) {
    const select = document.getElementById(`id_${name}`);
    if (!select) continue;
    const sync = () => {
      if (select.value) text.dataset[key] = select.value; else delete text.dataset[key];
    };
    sync();
    select.addEventListener("change", () => { sync(); text.dispatchEvent(new Event("compliance:recheck")); });
  }
});
