// Package schoolui serves the school's pages: the Situation école list with
// its column menus, the fiche of each situation, the checks, the
// <Extranet SeGEC> transfer and its preview, the import and export of the
// staff, the transfer history and the extranet settings.
//
// New builds the whole site as one http.Handler, with everything it needs
// injected through Config, so that `passerelle school serve` and the demo
// run the same pages. The handler wraps its routes in the shared web
// middleware (security headers with a strict Content-Security-Policy, signed
// flashes, CSRF on every form, server-side sessions); every page that shows
// staff data requires a signed-in school user.
//
// Pages are server-rendered and work without JavaScript. The one script of
// this package (static/school.js, served under /ui/) only makes the column
// menus keyboard friendly, applies a column choice at once without reloading
// the page, and submits the list's filters as they change. docs/school-ui.md
// describes the pages for people.
package schoolui
