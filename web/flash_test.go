package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"passerelle/web"
)

// flashServer adds the flashes of ?add=kind:text (repeatable) and answers
// the flashes it reads as "kind:text|kind:text".
func flashServer(key web.FlashKey) http.Handler {
	return key.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, a := range r.URL.Query()["add"] {
			kind, text, _ := strings.Cut(a, ":")
			web.AddFlash(w, r, kind, text)
		}
		if r.URL.Query().Get("read") == "" {
			return
		}
		var out []string
		for _, f := range web.Flashes(w, r) {
			out = append(out, f.Kind+":"+f.Text)
		}
		w.Write([]byte(strings.Join(out, "|")))
	}))
}

// flashRound serves target with the cookie (if any) and returns the body and
// the flash cookie set by the answer.
func flashRound(t *testing.T, h http.Handler, target string, ck *http.Cookie) (string, *http.Cookie) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if ck != nil {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if n := len(w.Result().Header["Set-Cookie"]); n > 1 {
		t.Errorf("%d Set-Cookie lines, want at most 1", n)
	}
	return w.Body.String(), cookieFrom(w.Result(), "flash")
}

func TestFlashRoundTrip(t *testing.T) {
	h := flashServer(web.NewFlashKey())

	_, ck := flashRound(t, h, "/?add=success:Enregistré&add=bogus:Étrange", nil)
	if ck == nil || !ck.HttpOnly || ck.MaxAge <= 0 || ck.MaxAge > 600 {
		t.Fatalf("flash cookie = %+v, want HttpOnly and short-lived", ck)
	}
	// A later request adds to the pending ones.
	_, ck = flashRound(t, h, "/?add=error:Échec", ck)

	body, cleared := flashRound(t, h, "/?read=1", ck)
	if want := "success:Enregistré|info:Étrange|error:Échec"; body != want {
		t.Errorf("flashes = %q, want %q", body, want)
	}
	if cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("reading did not clear the cookie: %+v", cleared)
	}

	// Added and read in the same request: shown, and no cookie left.
	body, ck = flashRound(t, h, "/?add=warning:Tout+de+suite&read=1", nil)
	if body != "warning:Tout de suite" || (ck != nil && ck.MaxAge >= 0) {
		t.Errorf("same-request flash: %q, cookie %+v", body, ck)
	}

	// Nothing pending: nothing read, no cookie touched.
	body, ck = flashRound(t, h, "/?read=1", nil)
	if body != "" || ck != nil {
		t.Errorf("empty read: %q, cookie %+v", body, ck)
	}
}

func TestFlashTampered(t *testing.T) {
	h := flashServer(web.NewFlashKey())
	_, ck := flashRound(t, h, "/?add=info:Bonjour", nil)

	payload, sig, _ := strings.Cut(ck.Value, ".")
	forged := map[string]string{
		"other payload": "W3siayI6ImVycm9yIiwidCI6IlBpcmF0ZSJ9XQ." + sig,
		"no signature":  payload,
		"bad signature": payload + "." + strings.Repeat("A", len(sig)),
		"garbage":       "%%%",
	}
	for name, v := range forged {
		if body, _ := flashRound(t, h, "/?read=1", &http.Cookie{Name: "flash", Value: v}); body != "" {
			t.Errorf("%s: forged flash shown: %q", name, body)
		}
	}
	// Another server's key (the other application on the same host).
	if body, _ := flashRound(t, flashServer(web.NewFlashKey()), "/?read=1", ck); body != "" {
		t.Errorf("flash signed with another key shown: %q", body)
	}
}

func TestFlashLimits(t *testing.T) {
	h := flashServer(web.NewFlashKey())
	target := "/?add=info:" + strings.Repeat("é", 1000)
	for i := range 7 {
		target += "&add=info:m" + string(rune('0'+i))
	}
	_, ck := flashRound(t, h, target, nil)
	if len(ck.String()) > 4000 {
		t.Errorf("flash cookie is %d bytes", len(ck.String()))
	}
	body, _ := flashRound(t, h, "/?read=1", ck)
	if want := "info:m2|info:m3|info:m4|info:m5|info:m6"; body != want {
		t.Errorf("kept %q, want the last five %q", body, want)
	}

	_, ck = flashRound(t, h, "/?add=info:"+strings.Repeat("é", 1000), nil)
	body, _ = flashRound(t, h, "/?read=1", ck)
	if !strings.HasSuffix(body, "é…") || len(body) > 420 {
		t.Errorf("long text not cut cleanly: %d bytes, ends %q", len(body), body[len(body)-8:])
	}
}

func TestFlashWithoutMiddleware(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if fs := web.Flashes(w, r); fs != nil {
		t.Errorf("Flashes without middleware = %v", fs)
	}
	defer func() {
		if recover() == nil {
			t.Error("AddFlash without middleware does not panic")
		}
	}()
	web.AddFlash(w, r, web.FlashInfo, "perdu")
}

func TestFlashKeyTooShort(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a 4-byte key is accepted")
		}
	}()
	web.FlashKey("abcd").Middleware(http.NotFoundHandler())
}
