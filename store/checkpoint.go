package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite's write-ahead log grows with every commit until a checkpoint copies
// its pages back into the database file. Left to SQLite, the connection
// that commits past wal_autocheckpoint pages runs the checkpoint itself,
// inside its commit: on the single writer, every writer of the process then
// waits for it. A transfer dirties a few hundred pages of scattered index
// entries (e-mails, identity keys, matricules), so that was a checkpoint
// every few transfers, a quarter of the writer's time.
//
// Here the writer's own threshold is a backstop (walBackstopPages), and a
// goroutine runs passive checkpoints, which never block the writer, on a
// connection of the read pool and the other processor: after every
// checkpointCommits commits, or checkpointWait after a commit when fewer
// came. Checkpointing seldom matters as much as checkpointing aside: an
// index page rewritten by many transfers is copied once per checkpoint, so
// a checkpoint after every commit copied a third more pages than SQLite's
// own. A checkpoint that copies every frame lets the next writer restart
// the log from its beginning; journal_size_limit gives back the space of a
// log that grew while readers held old pages.
const (
	// walBackstopPages is the writer's wal_autocheckpoint: it checkpoints
	// itself only when the goroutine falls this far behind (64 MB).
	walBackstopPages = 16000
	// walSizeLimit is journal_size_limit: a log reset is truncated to it.
	walSizeLimit = 64 << 20
	// checkpointCommits is the number of commits a checkpoint waits for:
	// a transfer writes about 250 pages, so about 8,000 pages.
	checkpointCommits = 32
	// checkpointWait is the longest a commit waits for its checkpoint.
	checkpointWait = time.Second
)

// checkpointer runs passive checkpoints of one SQLite database on a
// connection of its read pool, after commits.
type checkpointer struct {
	db      *sql.DB
	commits atomic.Int64
	kick    chan struct{}
	stop    chan struct{}
	done    sync.WaitGroup
	once    sync.Once

	// runs counts the checkpoints that copied at least one frame, for
	// tests.
	runs atomic.Int64
}

// newCheckpointer starts the goroutine, which checkpoints on a connection
// of db, the read pool.
func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.done.Add(1)
	go c.loop()
	return c
}

// commit tells the goroutine that the log grew; it never waits.
func (c *checkpointer) commit() {
	if c.commits.Add(1) >= checkpointCommits || len(c.kick) == 0 {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// loop waits for a commit, then for checkpointCommits commits or
// checkpointWait, whichever comes first, and checkpoints.
func (c *checkpointer) loop() {
	defer c.done.Done()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		deadline := time.NewTimer(checkpointWait)
		for c.commits.Load() < checkpointCommits {
			select {
			case <-c.stop:
				deadline.Stop()
				return
			case <-deadline.C:
			case <-c.kick:
				continue
			}
			break
		}
		deadline.Stop()
		c.commits.Store(0)
		c.checkpoint()
	}
}

// checkpoint copies what it can of the log into the database file. A busy
// checkpoint (another one running, from another process say) is not an
// error: the next commit asks again.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var busy, logged, copied int
	err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied)
	if err != nil {
		slog.Warn("sqlite checkpoint failed", "err", err)
		return
	}
	if copied > 0 {
		c.runs.Add(1)
	}
}

// close stops the goroutine. It may be called more than once.
func (c *checkpointer) close() {
	c.once.Do(func() {
		close(c.stop)
		c.done.Wait()
	})
}
