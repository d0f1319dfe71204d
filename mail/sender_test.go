package mail

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"testing"
)

func TestIsPermanent(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("réseau"), false},
		{context.Canceled, false},
		{&textproto.Error{Code: 550, Msg: "no"}, false}, // only classified errors of a send count
		{Permanent(errors.New("invalide")), true},
		{fmt.Errorf("message %q : %w", "x", Permanent(&textproto.Error{Code: 550})), true},
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v", tt.err, got)
		}
	}
	_, err := Build(Message{ID: "x", From: "a@b.be", To: "c@d.be", Subject: "a\nb"})
	if err == nil || IsPermanent(err) {
		// Build itself reports plain errors; the senders mark them.
		t.Errorf("Build error %v", err)
	}
}
