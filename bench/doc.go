// Package bench is the extranet's load generator: the September rush of
// `passerelle bench`, and the crash test that goes with it.
//
// It generates a deterministic synthetic network (Generate): schools, their
// staff with names, birth dates, matricules and school e-mails, a share of
// whom work in two schools. Run then starts an extranet server as a child
// process (the very `passerelle extranet serve` of production) on a private
// PostgreSQL cluster, a given database or SQLite file, registers the
// schools, and runs the phases in turn:
//
//   - initial: every school's first transfer, Concurrency at a time;
//   - resync: the same snapshots again, which change nothing;
//   - churn: a few changes per school (roles, e-mails, arrivals, departures
//     within the guard against mass deactivation);
//   - night: the night run, in a child process, which opens every pending
//     grant and writes every invitation to the outbox, without delivery;
//   - smtp: the delivery of the outbox to an in-process SMTP server over one
//     reused connection (Service.Deliver with an smtp.Sender).
//
// Each phase reports records and transfers per second, latency percentiles
// and errors; the run reports the server's peak memory (VmHWM) and the size
// of the database. The JSON form (--json) is described in
// docs/benchmarks.md.
//
// With Crash > 0, the server child is killed (SIGKILL) at seeded random
// moments under load and restarted; the night and delivery children are
// killed inside or right after a transaction. The load generator retries
// with the same Idempotency-Key, and at the end Check verifies from the
// database that nothing was lost or done twice.
//
// Terminal output is English: this is a tool for operators and developers.
package bench
