package transfer

// Préparer la rentrée: sending the next school year's staff as they will be
// on its first day, before it begins (docs/transfer.md, « La rentrée »).

import (
	"fmt"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
)

// DefaultPrepareFrom is the day from which a school may prepare the next
// school year when the settings give none: 1 June, a month before the
// year's last day, once the next year's appointments are known.
var DefaultPrepareFrom = fwb.MonthDay{Month: time.June, Day: 1}

// Rentree is the school year a « Préparer la rentrée » sends.
type Rentree struct {
	Year fwb.SchoolYear
	// FirstDay is the year's first day: the staff are sent as they will be
	// on that day.
	FirstDay time.Time
	// Begun tells that the year has begun (the summer): its accesses open
	// the next night. Otherwise they open the night after LastDay, the
	// current year's last day.
	Begun   bool
	LastDay time.Time
}

// SelectionDate returns the date whose staff a transfer made at now sends.
// During the summer, between a year's last day and the next one's first
// day, it is that first day: the staff of the summer are those of the
// rentrée, and a transfer must not take away what « Préparer la rentrée »
// sent. Otherwise it is now.
func SelectionDate(now time.Time) time.Time {
	today := fwb.Date(now.In(frtext.Brussels))
	year := fwb.SchoolYearAt(today)
	if today.Before(year.FirstDay()) {
		return brusselsNoon(year.FirstDay())
	}
	return now
}

// RentreeAt returns the school year a « Préparer la rentrée » made at now
// sends: the next one, from the day from (DefaultPrepareFrom when zero) of
// the current year's last calendar year; during the summer, the year that
// has begun and whose first day is still ahead. Before from, the error says
// from when it is possible.
func RentreeAt(now time.Time, from fwb.MonthDay) (Rentree, error) {
	if from.IsZero() {
		from = DefaultPrepareFrom
	}
	today := fwb.Date(now.In(frtext.Brussels))
	year := fwb.SchoolYearAt(today)
	if today.Before(year.FirstDay()) {
		return Rentree{Year: year, FirstDay: year.FirstDay(), Begun: true, LastDay: year.Previous().LastDay()}, nil
	}
	next := year.Next()
	opens := from.In(year.Start + 1)
	if opens.After(year.LastDay()) {
		opens = year.LastDay()
	}
	if today.Before(opens) {
		return Rentree{}, fmt.Errorf("la rentrée %s se prépare à partir du %s : d'ici là, le transfert envoie l'année en cours (%s)",
			next, frtext.FormatDate(opens), year)
	}
	return Rentree{Year: next, FirstDay: next.FirstDay(), LastDay: year.LastDay()}, nil
}

// RentreeSelectionDate is the moment whose staff « Préparer la rentrée »
// sends: its year's first day.
func RentreeSelectionDate(rt Rentree) time.Time { return brusselsNoon(rt.FirstDay) }

// brusselsNoon is noon in Brussels on a civil date: a moment whose civil
// date is that one in every time zone that matters.
func brusselsNoon(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, frtext.Brussels)
}

// RentreePrefix starts the first message line of a « Préparer la rentrée »,
// which the history and the pages recognise it by.
const RentreePrefix = "Information : Préparation de la rentrée "

// RentreeLine is the first line of a « Préparer la rentrée »'s messages.
func RentreeLine(rt Rentree) string {
	return RentreePrefix + rt.Year.String() + dash + "le personnel tel qu'au premier jour, le " +
		frtext.FormatDate(rt.FirstDay) + "."
}

// RentreeLaterLine replaces LineNotNow when the year has not begun: the
// accesses wait for it.
func RentreeLaterLine(rt Rentree) string {
	return "Attention ! Les accès de l'année scolaire " + rt.Year.String() +
		" s'ouvriront la nuit qui suit le dernier jour de l'année en cours (" + frtext.FormatDate(rt.LastDay) +
		") ; ceux qui ne figurent pas dans cet envoi se terminent avec l'année. L'année en cours ne change pas."
}

// rentreeMessages are the messages of a « Préparer la rentrée »: its own
// first line, then the transfer's, the last one telling when the accesses
// open.
func rentreeMessages(lines []string, rt Rentree) []string {
	out := append([]string{RentreeLine(rt)}, lines...)
	if !rt.Begun {
		for i, l := range out {
			if l == LineNotNow {
				out[i] = RentreeLaterLine(rt)
			}
		}
	}
	return out
}

// IsRentree reports whether a transfer's messages are those of a
// « Préparer la rentrée ».
func IsRentree(messages []string) bool {
	return len(messages) > 0 && strings.HasPrefix(messages[0], RentreePrefix)
}
