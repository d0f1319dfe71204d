package extranet_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
)

// The Service's settings reach what people read: the sender of every
// e-mail, the night the transfers announce, and whoever watches the runs.
func TestServiceSettings(t *testing.T) {
	w := newWorld(t)
	const from = "Réseau SeGEC <extranet@segec.test>"
	w.svc.MailFrom = from
	// A network that runs its night at 04:00.
	w.svc.NextNight = func(t time.Time) time.Time { return extranet.NextNight(t).Add(2 * time.Hour) }
	var observed []extranet.NightReport
	var observedErr []error
	w.svc.NightObserver = func(r extranet.NightReport, err error) {
		observed, observedErr = append(observed, r), append(observedErr, err)
	}
	w.school(t, 4242, "École")
	res := w.send(t, 4242, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"))
	want := brusselsTime(2026, time.November, 27, 4, 0)
	if !res.EffectiveAt.Equal(want) || !w.svc.NextNightRun().Equal(want) {
		t.Errorf("effectiveAt %v, NextNightRun %v, want %v", res.EffectiveAt, w.svc.NextNightRun(), want)
	}
	ms, err := w.portal.RequestSignIn(w.ctx, "jean@ecole.be", linkURL)
	if err != nil || ms[0].From != from || !strings.Contains(ms[0].Text, "Les accès s'ouvrent chaque nuit, à 4 h.") {
		t.Fatalf("pending answer: %+v, %v", ms, err)
	}

	// Another run holds the lock: the night waits its turn, and is observed.
	release, err := w.st.LockNight(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Night(w.ctx, time.Time{}, w.box); !errors.Is(err, extranet.ErrNightRunning) {
		t.Errorf("a second run: %v", err)
	}
	release()
	rep := w.night(t)
	if len(observed) != 2 || !errors.Is(observedErr[0], extranet.ErrNightRunning) || observedErr[1] != nil || observed[1].ID != rep.ID {
		t.Errorf("observed %d runs: %v", len(observed), observedErr)
	}
	if inv := w.box.to("jean@ecole.be"); len(inv) != 1 || inv[0].From != from {
		t.Errorf("the invitation's sender: %+v", inv)
	}
	if ms, _ := w.portal.RequestSignIn(w.ctx, "jean@ecole.be", linkURL); ms[0].From != from {
		t.Errorf("the sign-in link's sender: %s", ms[0].From)
	}
	if n := w.audited(t, extranet.AuditNightRun); n != 1 {
		t.Errorf("%d night runs audited", n)
	}
}

// Without a portal address, the invitation says how to ask for a link
// instead of carrying one.
func TestInvitationWithoutPortalAddress(t *testing.T) {
	w := newWorld(t)
	w.svc.PortalURL = ""
	w.school(t, 4242, "École")
	w.send(t, 4242, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"))
	w.night(t)
	inv := w.box.to("jean@ecole.be")
	if len(inv) != 1 || strings.Contains(inv[0].Text, extranet.SignInLinkSlot) || strings.Contains(inv[0].Text, "jeton=") ||
		!strings.Contains(inv[0].Text, "(demandez votre lien sur le portail de l'extranet SeGEC)") {
		t.Errorf("invitation:\n%s", inv[0].Text)
	}
}

// The invitation's own link is worth 7 days from its delivery.
func TestInvitationLinkLastsSevenDays(t *testing.T) {
	for _, test := range []struct {
		after time.Duration
		open  bool
	}{
		{extranet.InvitationLinkTTL - time.Minute, true},
		{extranet.InvitationLinkTTL + time.Minute, false},
	} {
		t.Run(test.after.String(), func(t *testing.T) {
			w := newWorld(t)
			w.school(t, 4242, "École")
			w.send(t, 4242, staff("Dupont", "Jean", "1980-05-04", "", "jean@ecole.be", "Enseignant"))
			w.night(t)
			tok := tokenIn(t, w.box.to("jean@ecole.be")[0].Text, signInPath)
			// The night delivered at 02:00; the clock stands at 10:00.
			w.clock.Set(extranet.NextNight(w.clock.Now()).Add(-24 * time.Hour).Add(test.after))
			_, err := w.portal.SignIn(w.ctx, tok)
			if (err == nil) != test.open || (err != nil && !errors.Is(err, extranet.ErrLinkInvalid)) {
				t.Errorf("SignIn %v after delivery: %v", test.after, err)
			}
		})
	}
}
