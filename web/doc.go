// Package web is the web plumbing that the school pages (web/schoolui) and the
// extranet's portal and operators' console (web/portal) share: security
// headers, server-side sessions, CSRF protection, template rendering, flash
// messages, error pages, password hashing, throttling and the embedded static
// files (stylesheet and the one script). An application serves its own static
// files the same way with NewStatic.
//
// Pages are server-rendered with html/template and carry no inline script or
// style, so the Content-Security-Policy can forbid both. Everything a person
// reads is in French; code and logs are in English.
//
// # Wiring
//
// A server puts the middleware around its mux, outermost first; CSRF and
// Require must be given the same *Sessions:
//
//	sessions := &web.Sessions{Store: store, CookieName: "passerelle_ecole"}
//	rd, err := web.NewRenderer(templates, nil)
//
//	mux := http.NewServeMux()
//	mux.Handle("GET "+web.StaticPrefix, web.StaticHandler())
//	mux.Handle("GET /connexion", rd.Handler(showSignIn))
//	mux.Handle("POST /connexion", rd.Handler(signIn))
//	signedIn := sessions.Require(web.KindSchool, "/connexion")
//	mux.Handle("GET /{$}", signedIn(rd.Handler(home)))
//
//	handler := web.SecureHeaders(web.NewFlashKey().Middleware(web.CSRF(sessions)(mux)))
//
// The JSON API is not a browser surface and is mounted outside CSRF: it
// authenticates with a bearer token, which a cross-site form cannot send.
//
// # Templates
//
// The templates folder holds layout.html, one file per page defining
// "title" and "content", and partials named _*.html. Every template gets a
// *Page as its dot. A layout along these lines uses what this package offers:
//
//	<!doctype html>
//	<html lang="fr">
//	<head>
//	<meta charset="utf-8">
//	<title>{{template "title" .}} – Passerelle</title>
//	<link rel="stylesheet" href="{{static "base.css"}}">
//	<script src="{{static "app.js"}}" defer></script>
//	</head>
//	<body>
//	<header class="app-header"><a class="app-name" href="/">Passerelle</a>
//	  {{with .User}}<span class="app-user">{{.}}</span>{{end}}</header>
//	<main class="container">
//	  {{range .Flash}}<p class="flash flash-{{.Kind}}" role="status">{{.Text}}</p>{{end}}
//	  {{template "content" .}}
//	</main>
//	</body>
//	</html>
//
// and each POST form carries {{.CSRF}}. A form that needs a confirmation
// gets data-confirm="Désactiver cet accès ?"; app.js asks before sending.
//
// # Handlers
//
// Handlers return an error: an *Error chooses the status and the French
// message; any other error is logged and shown as a generic 500. After a
// successful POST, AddFlash and redirect with 303 (post/redirect/get).
package web
