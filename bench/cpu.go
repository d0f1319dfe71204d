package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Where the machine's CPU goes during a phase: the load generator, the
// server child, the worker children and, for a private cluster, PostgreSQL.
// Client and server share the machine, so a phase's figures only make sense
// beside these. Linux only; elsewhere the figures read zero.

// clockTick is the unit of the times in /proc/PID/stat (USER_HZ).
const clockTick = time.Second / 100

// cpuUse is CPU time by consumer.
type cpuUse struct {
	bench, server, workers, postgres time.Duration
}

func (a cpuUse) sub(b cpuUse) cpuUse {
	return cpuUse{a.bench - b.bench, a.server - b.server, a.workers - b.workers, a.postgres - b.postgres}
}

// cpuMeter reads the CPU times.
type cpuMeter struct {
	srv    *server
	pgData string // the private cluster's data folder, or ""

	mu      sync.Mutex
	workers time.Duration // children that ended: workers, and the server's earlier lives
}

// addEnded counts the CPU time of a child that ended.
func (m *cpuMeter) addEnded(ps *os.ProcessState) {
	if m == nil || ps == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.workers += ps.UserTime() + ps.SystemTime()
}

func (m *cpuMeter) read() cpuUse {
	var u cpuUse
	if m == nil {
		return u
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if m.srv != nil {
		u.server = m.srv.cpu()
	}
	m.mu.Lock()
	u.workers = m.workers
	m.mu.Unlock()
	if m.pgData != "" {
		u.postgres = postgresCPU(m.pgData)
	}
	return u
}

// procCPU returns utime+stime of a process and, with children, the times
// of its children that ended and were waited for.
func procCPU(pid int, children bool) (self time.Duration, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces: the fields start after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15,
	// cutime 16, cstime 17.
	if len(f) < 15 {
		return 0, 0, false
	}
	num := func(k int) int64 { n, _ := strconv.ParseInt(f[k-3], 10, 64); return n }
	ticks := num(14) + num(15)
	if children {
		ticks += num(16) + num(17)
	}
	return time.Duration(ticks) * clockTick, int(num(4)), true
}

// postgresCPU sums the CPU of a cluster: the postmaster with its ended
// children, and its live children (the backends).
func postgresCPU(dataDir string) time.Duration {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0
	}
	total, _, ok := procCPU(pm, true)
	if !ok {
		return 0
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pm {
			continue
		}
		if t, ppid, ok := procCPU(pid, false); ok && ppid == pm {
			total += t
		}
	}
	return total
}

// writeCPU writes where the CPU went during a phase of length d.
func writeCPU(w io.Writer, u cpuUse, d time.Duration, pg bool) {
	secs := func(t time.Duration) string { return strconv.FormatFloat(t.Seconds(), 'f', 2, 64) }
	line := fmt.Sprintf("          cpu s: load generator %s, server %s, workers %s", secs(u.bench), secs(u.server), secs(u.workers))
	if pg {
		line += ", postgres " + secs(u.postgres)
	}
	n := runtime.NumCPU()
	fmt.Fprintf(w, "%s (of %d cores × %s s = %s)\n", line, n, secs(d), secs(time.Duration(n)*d))
}

// loadAverage returns the 1, 5 and 15-minute load averages of the machine,
// as /proc/loadavg writes them, or "n/a".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// machine describes the machine for the record of a run.
func machine() string {
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	return fmt.Sprintf("%d cores, %s RAM, %s %s/%s", runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
