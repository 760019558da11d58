// Sign in, create an account, sign out: the session lives in cookies the
// Worker sets (POST/DELETE /api/v1/auth/session).

import { h, show, field, form, go } from "../dom.js";
import { post, remove, chooseOrganization } from "../api.js";
import * as live from "../live.js";

export async function signIn({ main }) {
  show(main,
    h("section", { class: "narrow card" },
      h("h1", {}, "Sign in"),
      form([
        field("Email", "email", { type: "email", autocomplete: "username", required: true }),
        field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
      ], async (values) => {
        await post("/api/v1/auth/session", { email: values.get("email"), password: values.get("password") });
        chooseOrganization(null);
        go("#/monitors");
      }, "Sign in"),
      h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create account"))));
}

export async function signUp({ main }) {
  show(main,
    h("section", { class: "narrow card" },
      h("h1", {}, "Create account"),
      form([
        field("Name", "name", { autocomplete: "name" }),
        field("Email", "email", { type: "email", autocomplete: "username", required: true }),
        field("Password", "password", { type: "password", autocomplete: "new-password", required: true, hint: "At least 8 characters." }),
      ], async (values) => {
        const credentials = { email: values.get("email"), password: values.get("password") };
        await post("/api/v1/auth/register", { ...credentials, name: values.get("name") || null });
        await post("/api/v1/auth/session", credentials);
        chooseOrganization(null);
        go("#/monitors");
      }, "Create account"),
      h("p", {}, "Have an account? ", h("a", { href: "#/signin" }, "Sign in"))));
}

export async function signOut() {
  live.close();
  await remove("/api/v1/auth/session");
  chooseOrganization(null);
  go("#/signin");
}
