package mail

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// fileTimeLayout is the date part of the .eml file names, in UTC so that a
// message gets the same name whatever the time zone of the process.
const fileTimeLayout = "20060102-150405"

// DirSender writes each message as an .eml file in a folder, for the demo and
// for tests: <dir>/<YYYYMMDD-HHMMSS>-<ID>.eml, the date being Message.Date in
// UTC. A message sent again with the same ID replaces its file, even when its
// date changed, so that retries of the outbox never duplicate a message.
type DirSender struct {
	dir string

	mu     sync.Mutex
	byID   map[string]string // message id → name of the file holding it
	closed bool
}

// NewDirSender returns a sender writing into dir, creating it when needed.
// The files already there are indexed, so that re-sending one of their
// messages replaces them.
func NewDirSender(dir string) (*DirSender, error) {
	if dir == "" {
		return nil, errors.New("dossier des e-mails non indiqué")
	}
	// The messages hold sign-in links: keep them away from other users.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("création du dossier des e-mails : %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("lecture du dossier des e-mails : %w", err)
	}
	s := &DirSender{dir: dir, byID: make(map[string]string)}
	for _, e := range entries {
		if id, ok := idFromFileName(e.Name()); ok && e.Type().IsRegular() {
			// ReadDir sorts by name, hence by date: the newest file wins.
			s.byID[id] = e.Name()
		}
	}
	return s, nil
}

// Dir returns the folder the messages are written to.
func (s *DirSender) Dir() string { return s.dir }

// Send writes m into the folder atomically: the file appears complete or
// not at all. A zero m.Date is set to the current time, for both the Date
// header and the file name.
func (s *DirSender) Send(ctx context.Context, m Message) error {
	if ctx.Err() != nil {
		return Canceled(ctx, nil)
	}
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	data, _, err := BuildEnvelope(m)
	if err != nil {
		return Permanent(fmt.Errorf("message %q : %w", m.ID, err))
	}
	name := m.Date.UTC().Format(fileTimeLayout) + "-" + m.ID + ".eml"

	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}

	// The temporary name starts with a dot, so ListDir never shows a file
	// that is still being written.
	tmp, err := os.CreateTemp(s.dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("écriture du message %q : %w", m.ID, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(data)
	if err == nil {
		// Without it, a crash right after Send could leave an empty file
		// for a message that the outbox considers sent.
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("écriture du message %q : %w", m.ID, err)
	}

	// The lock makes the rename and the removal of the previous file one
	// step, so that concurrent sends of one ID leave a single file.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, name)); err != nil {
		return fmt.Errorf("écriture du message %q : %w", m.ID, err)
	}
	renamed = true
	if old := s.byID[m.ID]; old != "" && old != name {
		if err := os.Remove(filepath.Join(s.dir, old)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("suppression de l'ancienne version du message %q : %w", m.ID, err)
		}
	}
	s.byID[m.ID] = name
	return nil
}

// Close makes further sends fail. It has nothing to release.
func (s *DirSender) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// idFromFileName returns the message id of a name that DirSender writes.
func idFromFileName(name string) (string, bool) {
	const prefix = len(fileTimeLayout) + 1
	if !strings.HasSuffix(name, ".eml") || len(name) <= prefix+len(".eml") {
		return "", false
	}
	if _, err := time.Parse(fileTimeLayout, name[:len(fileTimeLayout)]); err != nil || name[prefix-1] != '-' {
		return "", false
	}
	id := strings.TrimSuffix(name[prefix:], ".eml")
	if checkID(id) != nil {
		return "", false
	}
	return id, true
}

// Entry is one .eml file of a mail folder.
type Entry struct {
	// Name is the file name, without the folder.
	Name string
	// Message is the parsed message; partial when Err is set.
	Message Message
	// ModTime is when the file was written.
	ModTime time.Time
	// Err tells why the file could not be read or parsed; the entry is
	// listed anyway, so that a damaged file does not hide the others.
	Err error
}

// ListDir returns the .eml files of dir, newest first. A folder that does not
// exist yet holds no message.
func ListDir(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lecture du dossier des e-mails : %w", err)
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".eml") || !de.Type().IsRegular() {
			continue
		}
		e := Entry{Name: name}
		if info, err := de.Info(); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // replaced by a newer version meanwhile
			}
			e.Err = err
		} else {
			e.ModTime = info.ModTime()
		}
		if e.Err == nil {
			e.Message, e.Err = parseFile(filepath.Join(dir, name))
			if errors.Is(e.Err, fs.ErrNotExist) {
				continue
			}
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ModTime.Equal(out[j].ModTime) {
			return out[i].ModTime.After(out[j].ModTime)
		}
		return out[i].Name > out[j].Name
	})
	return out, nil
}

func parseFile(path string) (Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return Message{}, err
	}
	defer f.Close()
	return Parse(f)
}
