package bench

import (
	"os"
	"runtime/pprof"
)

// startCPUProfile starts a CPU profile into path, when path is set, and
// returns the function that ends it.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	done := false
	return func() {
		if !done {
			done = true
			pprof.StopCPUProfile()
			f.Close()
		}
	}, nil
}

// StartCPUProfile is startCPUProfile for the command line's wrappers.
func StartCPUProfile(path string) (stop func(), err error) { return startCPUProfile(path) }

// WriteHeapProfile writes the heap profile to path.
func WriteHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.WriteHeapProfile(f)
}
