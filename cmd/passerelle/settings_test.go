package main

import (
	"slices"
	"testing"
	"time"

	"passerelle/school"
)

func TestSettingsChangeApply(t *testing.T) {
	at := time.Date(2026, 12, 6, 13, 0, 0, 0, time.UTC)
	old := school.Settings{ExtranetURL: "https://a.exemple.be", Token: "t", Auto: true, AutoConsentBy: "Anne", AutoHour: 19}
	for _, test := range []struct {
		name    string
		c       settingsChange
		want    school.Settings
		changed bool
	}{
		{"nothing", settingsChange{}, old, false},
		{"address, trimmed", settingsChange{setURL: true, extranetURL: " https://b.exemple.be/ "},
			school.Settings{ExtranetURL: "https://b.exemple.be", Token: "t", Auto: true, AutoConsentBy: "Anne", AutoHour: 19}, true},
		{"token", settingsChange{token: "u"},
			school.Settings{ExtranetURL: "https://a.exemple.be", Token: "u", Auto: true, AutoConsentBy: "Anne", AutoHour: 19}, true},
		{"on, with consent", settingsChange{auto: "on", by: " Marc "},
			school.Settings{ExtranetURL: "https://a.exemple.be", Token: "t", Auto: true, AutoConsentBy: "Marc", AutoConsentAt: at, AutoHour: 19}, true},
		{"off keeps the consent", settingsChange{auto: "off"},
			school.Settings{ExtranetURL: "https://a.exemple.be", Token: "t", AutoConsentBy: "Anne", AutoHour: 19}, true},
		{"hour", settingsChange{setHour: true, hour: 7},
			school.Settings{ExtranetURL: "https://a.exemple.be", Token: "t", Auto: true, AutoConsentBy: "Anne", AutoHour: 7}, true},
	} {
		t.Run(test.name, func(t *testing.T) {
			s := old
			changed := test.c.apply(&s, func() time.Time { return at })
			if changed != test.changed {
				t.Errorf("changed = %v, want %v", changed, test.changed)
			}
			if s.ExtranetURL != test.want.ExtranetURL || s.Token != test.want.Token || s.Auto != test.want.Auto ||
				s.AutoConsentBy != test.want.AutoConsentBy || !s.AutoConsentAt.Equal(test.want.AutoConsentAt) || s.AutoHour != test.want.AutoHour {
				t.Errorf("settings = %+v, want %+v", s, test.want)
			}
		})
	}
	s := old
	days := []time.Weekday{time.Monday, time.Friday}
	if !(settingsChange{setDays: true, days: days}).apply(&s, time.Now) || !slices.Equal(s.AutoDays, days) {
		t.Errorf("days = %v, want %v", s.AutoDays, days)
	}
}
