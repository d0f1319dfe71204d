package main

// The commands' logs. A nil *slog.Logger, in every package, means
// slog.Default(); main sets the default (warnings on standard error), and a
// long-running command, once its --log-format is read, makes its own logger
// the default too (Main.SetDefaultLog), so that code built without a
// logger logs as the command does.

import (
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"
)

// logger returns the structured logger of long-running commands, on stderr:
// text for a person at a terminal, JSON for a log collector.
func (m *Main) logger(format string) (*slog.Logger, error) {
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(m.Stderr, nil)
	case "text":
		h = slog.NewTextHandler(m.Stderr, nil)
	case "auto":
		h = slog.NewJSONHandler(m.Stderr, nil)
		if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			h = slog.NewTextHandler(m.Stderr, nil)
		}
	default:
		return nil, usageErr("--log-format %q : choisissez auto, json ou text", format)
	}
	log := slog.New(h)
	if m.SetDefaultLog != nil {
		m.SetDefaultLog(log)
	}
	return log, nil
}

// warnLogger is the logger of the short commands: their output says what
// they did, so only warnings and errors are logged, as text on stderr.
func (m *Main) warnLogger() *slog.Logger {
	return slog.New(warnHandler(m.Stderr))
}

// warnHandler writes warnings and errors as text to w.
func warnHandler(w io.Writer) slog.Handler {
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})
}
