package scim

import (
	"context"
	"strings"
	"testing"

	"passerelle/extranet"
	"passerelle/mail"
	"passerelle/wire"
)

// A user created through SCIM opens at the night like a snapshot's entry,
// with the same notices: the person's own address is told of an access at
// another address (docs/security.md).
func TestNightAfterSCIM(t *testing.T) {
	stores(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		ctx := context.Background()
		sender, err := mail.NewDirSender(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		night := func() {
			t.Helper()
			at := extranet.NextNight(e.now)
			e.now = at
			if rep, err := e.svc.Night(ctx, at, sender); err != nil || len(rep.Errors) > 0 {
				t.Fatalf("night: %+v %v", rep, err)
			}
		}
		_, err = e.svc.Transfer(ctx, faseB, wire.Snapshot{SchoolYear: year, Staff: []wire.StaffEntry{
			{LastName: "Peeters", FirstName: "Luc", BirthDate: "1968-07-08", Email: "luc@b.be", Role: "Enseignant"},
		}}, extranet.TransferOptions{})
		if err != nil {
			t.Fatal(err)
		}
		night()
		id := e.create(e.tokenA, user("luc.peeters@a.be", "Peeters", "Luc", "1968-07-08"))
		night()

		msgs, err := e.store.Outbox(ctx, extranet.OutboxFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var notice, invitation bool
		for _, m := range msgs {
			switch {
			case strings.HasSuffix(m.To, "<luc@b.be>") && strings.HasPrefix(m.Subject, "Un accès a été ouvert") &&
				strings.Contains(m.Text, "l•••@a.be"): // the other address, masked
				notice = true
			case strings.HasSuffix(m.To, "<luc.peeters@a.be>") && strings.Contains(m.Text, "École A") && !strings.Contains(m.Text, "École B"):
				invitation = true
			}
		}
		if !notice || !invitation {
			for _, m := range msgs {
				t.Logf("to %s: %s", m.To, m.Subject)
			}
			t.Fatalf("notice to the account's address %v, invitation to the new one without school B %v", notice, invitation)
		}
		resp, m := e.do("GET", "/Users/"+id, e.tokenA, nil)
		if e.want(resp, m, 200, ""); m[extranetUser].(map[string]any)["state"] != extranet.GrantActive {
			t.Fatalf("after the night: %v", m)
		}
	})
}
