package schoolui

import "embed"

//go:embed static
var staticFS embed.FS

// uiPrefix is where the pages' own stylesheet and script are served, beside
// the shared ones under web.StaticPrefix. The template function "ui" gives a
// file's versioned address.
const uiPrefix = "/ui/"
