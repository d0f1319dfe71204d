package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL plans a prepared statement for each call (a custom plan) until
// it has made five, then keeps one plan for every call (the generic plan)
// when that plan costs no more than the custom plans did on average. The
// average is the statement's for as long as it stays prepared, that is for
// the connection's life with pgx's statement cache. Statements first run
// on nearly empty tables (a new network's first load, a new school year's)
// have cheap custom plans that no generic plan built on the grown tables
// matches: they are planned at every call for good, a third of some
// statements' time (docs/benchmarks.md, « A plan for every call »).
//
// Replan starts the averages anew: each connection of the writer pool
// deallocates its prepared statements before its next transaction (one
// round trip), and prepares them again as they are used. The stores call it
// when their statistics change a lot, after their own ANALYZE of a table
// that doubled; it does nothing on SQLite, which plans every statement when
// it is prepared.
func (db *DB) Replan() {
	if db.Dialect == Postgres {
		db.plans.Add(1)
	}
}

// planEpochKey is where a connection keeps the Replan epoch it last
// deallocated for.
const planEpochKey = "passerelle.plans"

// renewPlans deallocates c's prepared statements if a Replan happened since
// c last did.
func (db *DB) renewPlans(ctx context.Context, c *sql.Conn) error {
	epoch := db.plans.Load()
	if epoch == 0 {
		return nil
	}
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return nil
		}
		data := sc.Conn().PgConn().CustomData()
		if seen, _ := data[planEpochKey].(uint64); seen == epoch {
			return nil
		}
		if err := sc.Conn().DeallocateAll(ctx); err != nil {
			// pgx forgot its statements before it failed to tell the
			// server: the connection must not serve again.
			return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
		}
		data[planEpochKey] = epoch
		return nil
	})
}
