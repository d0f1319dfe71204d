package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Exec returns the command that runs the passerelle binary with args; the
// command line gives os.Executable, tests their own binary.
type Exec func(args ...string) *exec.Cmd

// serverReadyTimeout bounds the start of the server child: migrations on a
// new database included.
const serverReadyTimeout = 2 * time.Minute

// server is the extranet server child: `passerelle extranet serve` on the
// benchmark's database. It is restarted on the same address after a kill,
// so that clients need not learn a new one.
type server struct {
	exec    Exec
	args    []string // extranet serve's arguments, without --addr
	logPath string   // where the children's stderr goes

	mu     sync.Mutex
	addr   string // fixed by the first start
	cmd    *exec.Cmd
	exited chan struct{}
	// peak is the largest VmHWM seen, in bytes. VmHWM only grows during a
	// life of the child, so reading it before each kill or stop gives that
	// life's peak. (The maximum RSS that wait4 reports is no substitute:
	// it counts the benchmark's own memory, which the child shared between
	// fork and exec.)
	peak    int64
	starts  int
	exitErr error         // how the last child ended
	ended   time.Duration // CPU time of the children that ended
	// ending is set when the benchmark kills or stops the child; a child
	// that ends otherwise crashed on its own, and onCrash is called.
	ending  bool
	onCrash func(error)
}

// URL returns the server's base URL.
func (s *server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "http://" + s.addr + "/"
}

// start starts the child and waits until it listens. The first start
// takes a free port; the next ones take the same.
func (s *server) start(ctx context.Context) error {
	s.mu.Lock()
	addr := s.addr
	s.mu.Unlock()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	cmd := s.exec(append(append([]string{}, s.args...), "--addr", addr)...)
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the extranet server: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		// "Extranet : http://ADDR/" is the line of extranet serve that
		// says it listens; the rest of stdout is drained.
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Extranet : http://"); ok {
				select {
				case ready <- strings.TrimSuffix(rest, "/"):
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	exited := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.exited, s.ending = cmd, exited, false
	s.starts++
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.exitErr = err
		if ps := cmd.ProcessState; ps != nil {
			s.ended += ps.UserTime() + ps.SystemTime()
		}
		crashed := !s.ending && s.addr != ""
		onCrash := s.onCrash
		s.mu.Unlock()
		close(exited)
		if crashed && onCrash != nil {
			onCrash(fmt.Errorf("the extranet server ended by itself (%v); its log: %s\n%s", err, s.logPath, tail(s.logPath, 2048)))
		}
	}()

	timer := time.NewTimer(serverReadyTimeout)
	defer timer.Stop()
	select {
	case a := <-ready:
		s.mu.Lock()
		s.addr = a
		s.mu.Unlock()
		return nil
	case <-exited:
		s.mu.Lock()
		err := s.exitErr
		s.mu.Unlock()
		return fmt.Errorf("the extranet server stopped at start (%v); its log: %s\n%s", err, s.logPath, tail(s.logPath, 2048))
	case <-timer.C:
		cmd.Process.Kill()
		return fmt.Errorf("the extranet server did not start within %s; its log: %s", serverReadyTimeout, s.logPath)
	case <-ctx.Done():
		cmd.Process.Kill()
		return ctx.Err()
	}
}

// sample records the child's VmHWM, its peak resident set so far.
func (s *server) sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	if n, err := vmHWM(s.cmd.Process.Pid); err == nil {
		s.peak = max(s.peak, n)
	}
}

// cpu returns the CPU time of every life of the server so far.
func (s *server) cpu() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := s.ended
	if s.cmd != nil && s.cmd.Process != nil && s.cmd.ProcessState == nil {
		if t, _, ok := procCPU(s.cmd.Process.Pid, false); ok {
			total += t
		}
	}
	return total
}

// kill sends SIGKILL to the child and waits for it to end.
func (s *server) kill() {
	s.sample()
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.ending = true
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// stop asks the child to stop (SIGTERM), as an operator would, and waits;
// past a while it is killed.
func (s *server) stop() error {
	s.sample()
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.ending = true
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(45 * time.Second):
		cmd.Process.Kill()
		<-exited
		return errors.New("the extranet server did not stop within 45 s of SIGTERM")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ee *exec.ExitError
	if errors.As(s.exitErr, &ee) {
		return fmt.Errorf("the extranet server ended with %v; its log: %s", ee, s.logPath)
	}
	return s.exitErr
}

// peakRSS returns the largest resident set seen over every start.
func (s *server) peakRSS() int64 {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// vmHWM reads the peak resident set size of a process from /proc.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := strings.Fields(string(rest))
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, errors.New("no VmHWM in /proc/" + strconv.Itoa(pid) + "/status")
}

// tail returns the last n bytes of a file, for error messages.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-n, 0)
	b := make([]byte, st.Size()-off)
	f.ReadAt(b, off)
	return string(b)
}

// killedBySIGKILL reports whether a child's Wait error says it was killed.
func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
