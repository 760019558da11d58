// Builds the page from elements, never from HTML strings: what the API
// returns (names, URLs, messages) is always text, so it cannot become markup.

/** h("a", {href: "#/x", class: "button"}, "text", child, …) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces what `element` holds. */
export function show(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

let fieldCount = 0;

/**
 * A labelled form control. `control` is "input" (default), "select" or
 * "textarea"; `options` are [value, label] pairs for a select. The error
 * slot under it shows the API's message for this field.
 */
export function field(label, name, { control = "input", options = [], hint, ...attributes } = {}) {
  const id = `f${++fieldCount}-${name}`;
  const described = `${id}-error`;
  let input;
  if (control === "select") {
    input = h("select", { id, name, "aria-describedby": described, ...attributes },
      options.map(([value, text]) => h("option", { value, selected: String(attributes.value) === String(value) }, text)));
  } else if (control === "textarea") {
    const { value, ...rest } = attributes;
    input = h("textarea", { id, name, "aria-describedby": described, ...rest }, value ?? "");
  } else {
    input = h("input", { id, name, "aria-describedby": described, ...attributes });
  }
  return h("div", { class: "field", dataset: { field: name } },
    h("label", { for: id }, label),
    input,
    hint ? h("small", { class: "hint" }, hint) : null,
    h("p", { class: "field-error", id: described, role: "alert" }));
}

/** Shows `error` (an ApiError) next to its field in `form`, or at its top. */
export function showError(form, error) {
  clearErrors(form);
  // `headers.X-Token` or `monitor_ids[2]` is shown at `headers`, `monitor_ids`.
  const name = error.field?.split(/[.[]/)[0];
  const slot = name && form.querySelector(`[data-field="${CSS.escape(name)}"] .field-error`);
  if (slot) {
    slot.textContent = error.field === name ? error.message : `${error.field}: ${error.message}`;
    slot.closest(".field").classList.add("invalid");
    slot.closest(".field").querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
    slot.closest(".field").querySelector("input, select, textarea")?.focus();
  } else {
    const banner = h("p", { class: "form-error", role: "alert" });
    form.prepend(banner);
    banner.textContent = error.field ? `${error.field}: ${error.message}` : error.message;
  }
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll(".invalid").forEach((field) => field.classList.remove("invalid"));
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  form.querySelector(".form-error")?.remove();
}

/** A form whose submit runs `action(values)`; errors land next to fields. */
export function form(children, action, submitLabel) {
  const element = h("form", { novalidate: true }, children, h("div", { class: "actions" }, h("button", { type: "submit" }, submitLabel)));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = element.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      clearErrors(element);
      await action(new FormData(element), element);
    } catch (error) {
      if (error.status) showError(element, error);
      else throw error;
    } finally {
      button.disabled = false;
    }
  });
  return element;
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, status);
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return h("time", { datetime: iso, title: date.toISOString() }, date.toLocaleString());
}

export function copyable(text) {
  const code = h("code", {}, text);
  return h("div", { class: "copyable" }, code,
    h("button", { type: "button", class: "secondary", onclick: () => navigator.clipboard?.writeText(text) }, "Copy"));
}

/** Goes to `hash`, and shows it again when it is already there. */
export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}
