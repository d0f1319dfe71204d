package mail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	sort.Strings(names)
	return names
}

func readParsed(t *testing.T, path string) Message {
	t.Helper()
	m, err := parseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDirSenderOneFilePerID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail", "sub") // created by NewDirSender
	s, err := NewDirSender(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := sampleMessage() // 2026-11-27 02:00:05 +01:00 is 01:00:05 UTC

	steps := []struct {
		name      string
		edit      func(*Message)
		wantFiles []string
		wantText  map[string]string // file → text
	}{
		{"first send", func(*Message) {},
			[]string{"20261127-010005-outbox-42.eml"},
			map[string]string{"20261127-010005-outbox-42.eml": m.Text}},
		{"same ID again replaces", func(m *Message) { m.Text = "Deuxième envoi\n" },
			[]string{"20261127-010005-outbox-42.eml"},
			map[string]string{"20261127-010005-outbox-42.eml": "Deuxième envoi\n"}},
		{"same ID, new date, still one file", func(m *Message) { m.Date = m.Date.Add(time.Hour); m.Text = "Troisième\n" },
			[]string{"20261127-020005-outbox-42.eml"},
			map[string]string{"20261127-020005-outbox-42.eml": "Troisième\n"}},
		{"another ID adds a file", func(m *Message) { m.ID = "outbox-43" },
			[]string{"20261127-010005-outbox-43.eml", "20261127-020005-outbox-42.eml"},
			map[string]string{"20261127-020005-outbox-42.eml": "Troisième\n"}},
	}
	for _, st := range steps {
		mm := m
		st.edit(&mm)
		if err := s.Send(ctx, mm); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := dirNames(t, dir)
		if strings.Join(got, ",") != strings.Join(st.wantFiles, ",") {
			t.Fatalf("%s: files %v, want %v", st.name, got, st.wantFiles)
		}
		for name, text := range st.wantText {
			if msg := readParsed(t, filepath.Join(dir, name)); msg.Text != text {
				t.Errorf("%s: %s holds %q, want %q", st.name, name, msg.Text, text)
			}
		}
	}

	// A new sender on the same folder knows the files already there.
	s2, err := NewDirSender(dir)
	if err != nil {
		t.Fatal(err)
	}
	mm := m
	mm.Date = m.Date.Add(48 * time.Hour)
	if err := s2.Send(ctx, mm); err != nil {
		t.Fatal(err)
	}
	want := "20261127-010005-outbox-43.eml,20261129-010005-outbox-42.eml"
	if got := strings.Join(dirNames(t, dir), ","); got != want {
		t.Errorf("after restart: files %s, want %s", got, want)
	}
}

func TestDirSenderConcurrentSameID(t *testing.T) {
	dir := t.TempDir()
	s, err := NewDirSender(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := sampleMessage()
			m.Date = m.Date.Add(time.Duration(i%4) * time.Second)
			if err := s.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("files %v, want exactly one (no temporary file either)", names)
	}
}

func TestDirSenderFailures(t *testing.T) {
	canceledCtx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		edit      func(*Message)
		close     bool
		permanent bool
		is        error
	}{
		{name: "escaping ID", ctx: context.Background(), edit: func(m *Message) { m.ID = "../evil" }, permanent: true},
		{name: "header injection", ctx: context.Background(), edit: func(m *Message) { m.Subject = "a\r\nBcc: x@y.be" }, permanent: true},
		{name: "canceled context", ctx: canceledCtx, edit: func(*Message) {}, is: context.Canceled},
		{name: "closed sender", ctx: context.Background(), edit: func(*Message) {}, close: true, is: ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := NewDirSender(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tt.close {
				s.Close()
			}
			m := sampleMessage()
			tt.edit(&m)
			err = s.Send(tt.ctx, m)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if IsPermanent(err) != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v", err, !tt.permanent)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Errorf("files written: %v", names)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil.eml")); err == nil {
				t.Error("a file escaped the folder")
			}
		})
	}
}

func TestDirSenderZeroDate(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewDirSender(dir)
	m := sampleMessage()
	m.Date = time.Time{}
	before := time.Now().Add(-time.Second)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, err := ListDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("ListDir: %v, %v", entries, err)
	}
	e := entries[0]
	if d := e.Message.Date; d.Before(before) || d.After(time.Now()) {
		t.Errorf("Date = %v, want about now", d)
	}
	if want := e.Message.Date.UTC().Format(fileTimeLayout) + "-outbox-42.eml"; e.Name != want {
		t.Errorf("file %s, want %s", e.Name, want)
	}
}

func TestListDir(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewDirSender(dir)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i, id := range []string{"a", "b", "c"} {
		m := sampleMessage()
		m.ID = id
		m.Subject = "Sujet " + id + " é"
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		// b is the newest file, then c, then a.
		mod := base.Add(map[int]time.Duration{0: 0, 1: 2 * time.Minute, 2: time.Minute}[i])
		if err := os.Chtimes(filepath.Join(dir, "20261127-010005-"+id+".eml"), mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	// Neither temporary files nor other files are listed; a damaged .eml is,
	// with its error.
	os.WriteFile(filepath.Join(dir, ".tmp-123.eml"), []byte("partial"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "broken.eml"), []byte("not a message"), 0o600)
	old := base.Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "broken.eml"), old, old)

	entries, err := ListDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name)
	}
	want := []string{"20261127-010005-b.eml", "20261127-010005-c.eml", "20261127-010005-a.eml", "broken.eml"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("entries %v, want %v", got, want)
	}
	if e := entries[0]; e.Err != nil || e.Message.ID != "b" || e.Message.Subject != "Sujet b é" || !e.ModTime.Equal(base.Add(2*time.Minute)) {
		t.Errorf("first entry = %+v", e)
	}
	if entries[3].Err == nil {
		t.Error("broken.eml has no error")
	}

	if entries, err := ListDir(filepath.Join(dir, "missing")); err != nil || len(entries) != 0 {
		t.Errorf("missing folder: %v, %v", entries, err)
	}
}
