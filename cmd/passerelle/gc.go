package main

import "runtime/debug"

// The garbage collector of the extranet's long-running work (extranet
// serve, extranet night and the benchmark's night worker, which stands for
// it): collect when the heap has grown to five times what is live
// (GOGC=400), or sooner as it nears 48 MiB (a soft limit: beyond it the
// collector works harder, never more than half the processors). A transfer
// allocates about 1 MB that is garbage once it is answered, so at Go's
// default (GOGC=100) the September rush spent a sixth of the server's
// processor time collecting (docs/benchmarks.md). GOGC or GOMEMLIMIT in
// the environment override both settings, as the Go runtime documents.
const (
	serverGCPercent   = 400
	serverMemoryLimit = 48 << 20
)

// tuneGC applies the settings above unless the environment sets GOGC or
// GOMEMLIMIT, and returns what puts the previous ones back (the tests run
// commands in one process).
func (m *Main) tuneGC() (restore func()) {
	if m.Getenv("GOGC") != "" || m.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(serverGCPercent)
	limit := debug.SetMemoryLimit(serverMemoryLimit)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
