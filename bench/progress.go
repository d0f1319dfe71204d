package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws a progress bar on a terminal, redrawn in place five times
// a second, and erases it when the phase ends. With a nil writer it draws
// nothing.
type progress struct {
	w     io.Writer
	name  string
	total int
	count func() int // work done so far; nil when unknown
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup
}

func startProgress(w io.Writer, name string, total int, count func() int) *progress {
	p := &progress{w: w, name: name, total: total, count: count, start: time.Now(), stop: make(chan struct{})}
	if w == nil {
		return p
	}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

const barWidth = 30

func (p *progress) draw() {
	elapsed := time.Since(p.start).Seconds()
	if p.count == nil || p.total <= 0 {
		fmt.Fprintf(p.w, "\r\033[K%-8s %6.1f s", p.name, elapsed)
		return
	}
	n := min(p.count(), p.total)
	filled := barWidth * n / p.total
	fmt.Fprintf(p.w, "\r\033[K%-8s [%s%s] %d/%d  %.1f s", p.name,
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), n, p.total, elapsed)
}

// end erases the bar.
func (p *progress) end() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.done.Wait()
}
