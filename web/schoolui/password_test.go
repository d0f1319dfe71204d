package schoolui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const newPassword = "cheval-agrafe-pile-42"

func passwordForm(current, next, again string) url.Values {
	return url.Values{"actuel": {current}, "nouveau": {next}, "confirmation": {again}}
}

func sessionCookie(res response) *http.Cookie {
	for _, ck := range res.Cookies() {
		if ck.Name == "passerelle_ecole" {
			return ck
		}
	}
	return nil
}

// passwordHash reads the stored hash of a user.
func (e *env) passwordHash(login string) string {
	e.t.Helper()
	u, err := e.st.UserByLogin(context.Background(), login)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.PasswordHash
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	other := e.signedIn("secretariat") // another browser of the same user
	bystander := e.signedIn("direction")

	if list := c.get("/"); doc(t, list.body).One("header").Link("Mon mot de passe").Attr("href") != "/mot-de-passe" {
		t.Errorf("the header lacks the link to « Mon mot de passe »")
	}
	page := c.get("/mot-de-passe")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /mot-de-passe: status %d", page.StatusCode)
	}
	if got := doc(t, page.body).One("h1").Text(); got != "Mon mot de passe" {
		t.Errorf("heading %q", got)
	}
	form := doc(t, page.body).Form("/mot-de-passe")
	form.CSRF()
	for name, want := range map[string]struct{ label, autocomplete string }{
		"actuel":       {"Mot de passe actuel", "current-password"},
		"nouveau":      {"Nouveau mot de passe", "new-password"},
		"confirmation": {"Encore une fois", "new-password"},
	} {
		in := form.One("input[type=password][name=" + name + "]")
		if in.Attr("autocomplete") != want.autocomplete {
			t.Errorf("%s: autocomplete %q", name, in.Attr("autocomplete"))
		}
		if label := form.One(`label[for="` + in.Attr("id") + `"]`).Text(); !strings.HasPrefix(label, want.label) {
			t.Errorf("%s: label %q, want %q", name, label, want.label)
		}
	}
	if strings.Contains(page.body, "style=") || strings.Contains(page.body, "<script>") {
		t.Errorf("password page has inline style or script")
	}

	res := c.post("/mot-de-passe", passwordForm(password, newPassword, newPassword))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/mot-de-passe" {
		t.Fatalf("change: status %d, location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if ck := sessionCookie(res); ck == nil || ck.Value == "" || ck.MaxAge < 0 {
		t.Fatalf("change: no new session cookie: %+v", ck)
	}
	done := c.follow(res)
	if done.StatusCode != http.StatusOK || !flashed(t, done.body, "Mot de passe modifié.") {
		t.Fatalf("after the change: status %d, flash missing\n%s", done.StatusCode, done.body)
	}
	if res := c.get("/"); res.StatusCode != http.StatusOK {
		t.Errorf("the user is not signed in again: status %d", res.StatusCode)
	}
	// The user's other sessions are ended; other users' are not.
	if res := other.get("/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/connexion") {
		t.Errorf("the user's other session survived: status %d", res.StatusCode)
	}
	if res := bystander.get("/"); res.StatusCode != http.StatusOK {
		t.Errorf("another user's session was ended: status %d", res.StatusCode)
	}

	if res := e.client().signIn("secretariat", password); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with the old password: status %d, want 401", res.StatusCode)
	}
	if res := e.client().signIn("secretariat", newPassword); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: status %d, want 303", res.StatusCode)
	}
}

func TestChangePasswordErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	before := e.passwordHash("secretariat")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string // the input marked invalid
		want  string
	}{
		{"current missing", passwordForm("", newPassword, newPassword), "mdp-actuel", "Indiquez votre mot de passe actuel."},
		{"current wrong", passwordForm("pas le bon mot de passe", newPassword, newPassword), "mdp-actuel", "Mot de passe actuel incorrect."},
		{"too short", passwordForm(password, "court", "court"), "mdp-nouveau", "Le mot de passe doit compter au moins 10 caractères."},
		{"empty", passwordForm(password, "", ""), "mdp-nouveau", "Le mot de passe doit compter au moins 10 caractères."},
		{"too long", passwordForm(password, strings.Repeat("é", 40), strings.Repeat("é", 40)), "mdp-nouveau", "Le mot de passe est trop long"},
		{"differ", passwordForm(password, newPassword, newPassword+"x"), "mdp-confirmation", "Les deux nouveaux mots de passe diffèrent"},
	} {
		res := c.post("/mot-de-passe", tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, res.StatusCode)
			continue
		}
		// The message sits next to its field, which points to it.
		if got := fieldErr(t, res.body, tc.field); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q next to %s, want %q", tc.name, got, tc.field, tc.want)
		}
		if input := field(t, res.body, tc.field); !invalid(input) {
			t.Errorf("%s: %s is not marked invalid: %s", tc.name, tc.field, input.HTML())
		}
		if !flashed(t, res.body, "Le mot de passe n'a pas été modifié.") {
			t.Errorf("%s: no summary", tc.name)
		}
		// Nothing typed is sent back.
		for _, k := range []string{"actuel", "nouveau", "confirmation"} {
			if v := tc.form[k]; v[0] != "" && typed(t, res.body, v[0]) {
				t.Errorf("%s: a password is written back in the page", tc.name)
			}
		}
		if got := e.passwordHash("secretariat"); got != before {
			t.Fatalf("%s: the password changed", tc.name)
		}
		if res := c.get("/"); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: the session was ended: status %d", tc.name, res.StatusCode)
		}
	}
	if res := e.client().signIn("secretariat", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the unchanged password: status %d", res.StatusCode)
	}
}

// Guessing the current password counts on the sign-in limiter of the login.
func TestChangePasswordThrottled(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	before := e.passwordHash("secretariat")
	for i := range 4 {
		res := c.post("/mot-de-passe", passwordForm("mauvais mot de passe", newPassword, newPassword))
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: status %d", i+1, res.StatusCode)
		}
	}
	res := c.post("/mot-de-passe", passwordForm(password, newPassword, newPassword))
	if res.StatusCode != http.StatusTooManyRequests || !has(t, res.body, "Patientez 2 secondes avant de réessayer.") {
		t.Fatalf("5th attempt: status %d\n%s", res.StatusCode, res.body)
	}
	if got := e.passwordHash("secretariat"); got != before {
		t.Fatal("the password changed while throttled")
	}
	// The same counter holds the sign-in of that login, not of others.
	if res := e.client().signIn("secretariat", password); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in after the guesses: status %d, want 429", res.StatusCode)
	}
	d := e.signedIn("direction")
	if res := d.post("/mot-de-passe", passwordForm(password, newPassword, newPassword)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another user's change: status %d, want 303", res.StatusCode)
	}
}

func TestChangePasswordCSRF(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.signedIn("secretariat")
	before := e.passwordHash("secretariat")

	form := passwordForm(password, newPassword, newPassword)
	form.Set("csrf", "forged")
	if res := c.post("/mot-de-passe", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("forged token: status %d, want 403", res.StatusCode)
	}
	// A form without the token at all.
	req, _ := http.NewRequest("POST", e.srv.URL+"/mot-de-passe", strings.NewReader(passwordForm(password, newPassword, newPassword).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := c.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("no token: status %d, want 403", res.StatusCode)
	}
	// A cross-site form, even with the right token.
	form = passwordForm(password, newPassword, newPassword)
	form.Set("csrf", c.token("/mot-de-passe"))
	req, _ = http.NewRequest("POST", e.srv.URL+"/mot-de-passe", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := c.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site: status %d, want 403", res.StatusCode)
	}
	// Without a session, the visitor's token opens only the sign-in.
	v := e.client()
	form = passwordForm(password, newPassword, newPassword)
	form.Set("csrf", v.token("/connexion"))
	if res := v.post("/mot-de-passe", form); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/connexion") {
		t.Errorf("without session: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := e.passwordHash("secretariat"); got != before {
		t.Fatal("the password changed without a valid token")
	}
	if res := c.get("/mot-de-passe"); res.StatusCode != http.StatusOK {
		t.Errorf("the session was ended: status %d", res.StatusCode)
	}
}
