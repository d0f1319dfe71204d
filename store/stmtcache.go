package store

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the SQLite writer's prepared statements, so that a
// statement a transaction ran before is not parsed and planned again:
// modernc.org/sqlite prepares every statement run with arguments, and at
// network scale the parsing took a sixth of the processor time of a first
// load (docs/benchmarks.md). PostgreSQL needs none: pgx keeps each
// connection's prepared statements.
//
// A statement runs unprepared until it is seen a second time: it is then
// prepared after its transaction ends, when the writer's one connection is
// free (preparing it inside the transaction would wait for that
// connection). Statements seen once, such as an IN list of a length that
// does not come back, are never prepared: each would be parsed twice for
// nothing, and crowd the cache. Evicting a statement closes it;
// database/sql keeps it open until the transactions using it end.
type stmtCache struct {
	mu    sync.Mutex
	max   int
	stmts map[string]*list.Element // of *cachedStmt
	order list.List                // most recently used first
	// seen holds the statements run once, unprepared; it is emptied when
	// it reaches seenSize.
	seen map[string]struct{}
}

type cachedStmt struct {
	q  string
	st *sql.Stmt
}

// stmtCacheSize bounds the statements kept: a transfer, a SCIM write or a
// night batch runs a few dozen texts. Each costs memory outside Go's heap
// (a statement of 70 rows of 21 values holds about 100 kB): with 128, the
// server of the benchmark on SQLite took 7 MiB more at its peak.
const stmtCacheSize = 64

// seenSize bounds the statements remembered as seen once.
const seenSize = 1024

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, stmts: make(map[string]*list.Element), seen: make(map[string]struct{})}
}

// get returns the prepared statement of q, or nil.
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.stmts[q]
	if !ok {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedStmt).st
}

// prepare prepares the statements of qs on db that the cache lacks and
// that were seen before, and keeps them, evicting the least recently used
// beyond its size. A statement that fails to prepare is left out: it runs
// unprepared, and says why then.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, qs []string) {
	for _, q := range qs {
		if c.get(q) != nil || c.firstSight(q) {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.add(q, st)
	}
}

// firstSight records q as seen and tells whether it was not before.
func (c *stmtCache) firstSight(q string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[q]; ok {
		delete(c.seen, q)
		return false
	}
	if len(c.seen) >= seenSize {
		clear(c.seen)
	}
	c.seen[q] = struct{}{}
	return true
}

func (c *stmtCache) add(q string, st *sql.Stmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.stmts[q]; ok {
		st.Close()
		return
	}
	c.stmts[q] = c.order.PushFront(&cachedStmt{q: q, st: st})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		cs := old.Value.(*cachedStmt)
		delete(c.stmts, cs.q)
		cs.st.Close()
	}
}

// close closes every statement kept.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.stmts {
		e.Value.(*cachedStmt).st.Close()
	}
	c.stmts = map[string]*list.Element{}
	c.order.Init()
}
