package store

import (
	"container/list"
	"context"
	"database/sql"
	"hash/maphash"
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
// handed, once its transaction has ended, to a goroutine that prepares it
// when the writer's one connection is free. Preparing it inside the
// transaction would wait for that connection, and so would the request that
// ran it, behind every other writer, if it prepared it on its way out; a
// hand-off the goroutine cannot take at once is dropped (the statement will
// come again). Statements seen once, such as an IN list of a length that
// does not come back, are never prepared: each would be parsed twice for
// nothing, and crowd the cache. Evicting a statement closes it;
// database/sql keeps it open until the transactions using it end.
type stmtCache struct {
	mu  sync.Mutex
	max int
	// maxBytes bounds the length of the texts kept, bytes their sum: a
	// prepared statement's memory grows with its text.
	maxBytes, bytes int
	stmts           map[string]*list.Element // of *cachedStmt
	order           list.List                // most recently used first
	// seen holds the hashes of the statements run once, unprepared (not
	// their texts, which can be long); it is emptied when it reaches
	// seenSize.
	seen map[uint64]struct{}
	seed maphash.Seed

	// db is the writer, on which the preparer goroutine prepares the
	// statements sent to work; pending counts those not prepared yet.
	db      *sql.DB
	work    chan string
	pending sync.WaitGroup
	start   sync.Once
	running bool // set in start: the goroutine runs
	closing sync.Once
	stop    chan struct{}
	stopped chan struct{}
}

type cachedStmt struct {
	q  string
	st *sql.Stmt
}

// stmtCacheSize bounds the statements kept: a transfer, a SCIM write or a
// night batch runs a few dozen texts. Each costs memory outside Go's heap,
// more the longer its text (a statement of many rows of values most):
// stmtCacheBytes bounds the sum of their lengths, and a text longer than a
// quarter of it (the night's statements of 500 rows) is not kept, nor
// remembered. With 128 statements and no bound on their length, the
// benchmark's server on SQLite took 7 MiB more at its peak; with these
// bounds, 2–3 MiB (docs/benchmarks.md).
const (
	stmtCacheSize  = 64
	stmtCacheBytes = 64 << 10
)

// seenSize bounds the statements remembered as seen once; workSize the
// statements waiting to be prepared.
const (
	seenSize = 1024
	workSize = 64
)

// newStmtCache returns a cache of max statements prepared on db, the
// writer.
func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{max: max, maxBytes: stmtCacheBytes, stmts: make(map[string]*list.Element), seen: make(map[uint64]struct{}), seed: maphash.MakeSeed(),
		db: db, work: make(chan string, workSize), stop: make(chan struct{}), stopped: make(chan struct{})}
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

// later hands the statements of qs that the cache lacks and that were seen
// before to the preparer goroutine, without waiting: a statement it cannot
// take now is dropped.
func (c *stmtCache) later(qs []string) {
	for _, q := range qs {
		if len(q) > c.maxBytes/4 || c.get(q) != nil || c.firstSight(q) {
			continue
		}
		c.start.Do(func() {
			c.running = true
			go c.prepareLoop()
		})
		c.pending.Add(1)
		select {
		case c.work <- q:
		default:
			c.pending.Done()
		}
	}
}

// prepareLoop prepares the statements sent to work and keeps them,
// evicting the least recently used beyond the cache's size, until close.
// A statement that fails to prepare is left out: it runs unprepared, and
// says why then.
func (c *stmtCache) prepareLoop() {
	defer close(c.stopped)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stop
		cancel()
	}()
	for {
		select {
		case <-c.stop:
			return
		case q := <-c.work:
			if c.get(q) == nil {
				if st, err := c.db.PrepareContext(ctx, q); err == nil {
					c.add(q, st)
				}
			}
			c.pending.Done()
		}
	}
}

// firstSight records q as seen and tells whether it was not before.
func (c *stmtCache) firstSight(q string) bool {
	h := maphash.String(c.seed, q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[h]; ok {
		delete(c.seen, h)
		return false
	}
	if len(c.seen) >= seenSize {
		clear(c.seen)
	}
	c.seen[h] = struct{}{}
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
	c.bytes += len(q)
	for c.order.Len() > c.max || c.bytes > c.maxBytes {
		old := c.order.Back()
		c.order.Remove(old)
		cs := old.Value.(*cachedStmt)
		delete(c.stmts, cs.q)
		c.bytes -= len(cs.q)
		cs.st.Close()
	}
}

// close stops the preparer and closes every statement kept.
func (c *stmtCache) close() {
	c.start.Do(func() {}) // none starts after this
	c.closing.Do(func() {
		if c.running {
			close(c.stop)
			<-c.stopped
		}
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.stmts {
		e.Value.(*cachedStmt).st.Close()
	}
	c.stmts = map[string]*list.Element{}
	c.order.Init()
}
