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
// Here a goroutine runs passive checkpoints, which never block the writer,
// on a connection of the read pool and the other processor: after every
// checkpointCommits commits, or checkpointWait after a commit when fewer
// came. How seldom matters as much as where: an index page rewritten by
// many transfers is copied once per checkpoint, so a checkpoint after every
// commit copied a third more pages than SQLite's own.
//
// SQLite restarts the log from its beginning only when a write begins with
// every frame copied. Under a steady flow of commits one lands during each
// of the goroutine's checkpoints, so the log file grows to the writer's own
// threshold, walBackstopPages; the writer's checkpoint then copies the few
// frames the goroutine has not, and the log restarts. The file thus stays
// about 66 MB while writes flow, and journal_size_limit trims a log that
// grew past it (a reader holding old pages keeps a checkpoint from
// finishing).
const (
	// walBackstopPages is the writer's wal_autocheckpoint (64 MB of 4 kB
	// pages).
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
	db *sql.DB
	// every and wait are checkpointCommits and checkpointWait (tests
	// change them).
	every   int64
	wait    time.Duration
	commits atomic.Int64
	kick    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	done    sync.WaitGroup
	once    sync.Once

	// runs counts the goroutine's checkpoints that were not busy, and
	// logged and copied are the last one's frames in the log and frames
	// copied (all of them: copied == logged), for tests.
	runs, logged, copied atomic.Int64
}

// newCheckpointer starts the goroutine, which checkpoints on a connection
// of db, the read pool.
func newCheckpointer(db *sql.DB) *checkpointer {
	return startCheckpointer(db, checkpointCommits, checkpointWait)
}

func startCheckpointer(db *sql.DB, every int64, wait time.Duration) *checkpointer {
	c := &checkpointer{db: db, every: every, wait: wait, kick: make(chan struct{}, 1)}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.done.Add(1)
	go c.loop()
	return c
}

// commit tells the goroutine that the log grew; it never waits.
func (c *checkpointer) commit() {
	c.commits.Add(1)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// loop waits for a commit, then for c.every commits or c.wait, whichever
// comes first, and checkpoints.
func (c *checkpointer) loop() {
	defer c.done.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.kick:
		}
		deadline := time.NewTimer(c.wait)
	wait:
		for c.commits.Load() < c.every {
			select {
			case <-c.ctx.Done():
				deadline.Stop()
				return
			case <-deadline.C:
				break wait
			case <-c.kick:
			}
		}
		deadline.Stop()
		if c.commits.Swap(0) > 0 {
			c.checkpoint()
		}
	}
}

// checkpoint copies what it can of the log into the database file. A busy
// checkpoint (another one running, from another process say) is not an
// error: the next commit asks again.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	var busy, logged, copied int64
	err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied)
	switch {
	case err != nil && c.ctx.Err() == nil:
		slog.Warn("sqlite checkpoint failed", "err", err)
	case err == nil && busy == 0:
		c.logged.Store(logged)
		c.copied.Store(copied)
		c.runs.Add(1)
	}
}

// close stops the goroutine, cancelling a checkpoint under way. It may be
// called more than once.
func (c *checkpointer) close() {
	c.once.Do(func() {
		c.cancel()
		c.done.Wait()
	})
}
