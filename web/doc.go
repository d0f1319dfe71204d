// Package web is the web plumbing that the school pages (web/schoolui) and the
// extranet's portal and operators' console (web/portal) share: security
// headers, server-side sessions, CSRF protection, template rendering, flash
// messages, error pages, password hashing, throttling and the embedded static
// files (stylesheet and the few scripts).
//
// Pages are server-rendered with html/template and carry no inline script or
// style, so the Content-Security-Policy can forbid both. Everything a person
// reads is in French; code and logs are in English.
//
// A typical server wires it like this:
//
//	sessions := &web.Sessions{Store: store, CookieName: "passerelle_ecole"}
//	flashKey, _ := web.NewFlashKey()
//	rd, _ := web.NewRenderer(templates, nil)
//
//	mux := http.NewServeMux()
//	mux.Handle("GET /static/", web.StaticHandler())
//	mux.Handle("GET /connexion", rd.Handler(showSignIn))
//	mux.Handle("POST /connexion", rd.Handler(signIn))
//	mux.Handle("GET /{$}", sessions.Require("school", "/connexion")(rd.Handler(home)))
//
//	handler := web.SecureHeaders(flashKey.Middleware(web.CSRF(sessions)(mux)))
//
// The JSON API is not a browser surface and is mounted outside CSRF: it
// authenticates with a bearer token, which a cross-site form cannot send.
package web
