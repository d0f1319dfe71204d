// Package portal is the extranet's web side: the portal where staff sign in
// once the night run has opened their access, and the operators' console.
//
// Staff sign in without a password: they type their e-mail address or their
// identifier (prenom.nom.JJMMAA) and receive a one-time link, valid 15
// minutes. Only an account with at least one active grant can sign in, and
// every request checks it again, so a deactivation ends the person's
// sessions at once. A signed-in person sees « Mes accès », the « Espace
// enseignants », and for a director the « Espace direction » of their own
// school(s) only.
//
// Operators sign in with a password to the console (/console/): schools and
// their API tokens, the journal of transfers, held transfers and rejected
// entries waiting for a decision, night runs, accounts and the audit log.
// Every operator action is audited.
//
// In the demo (Config.Demo), « E-mails envoyés » shows the e-mails the
// extranet wrote in its mail folder, and operators can « Simuler la nuit ».
//
// New returns one handler for everything but the JSON API, which is mounted
// beside it, outside the CSRF protection: /api/, /healthz, /readyz and
// /metrics. docs/portal.md describes the flows and the security choices.
package portal
