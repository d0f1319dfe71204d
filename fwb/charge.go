package fwb

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// leaveWord introduces a leave line in the Résumé column: "IP 24/24, avec
// -24/24" reads "IP 24/24, with a 24/24 leave".
const leaveWord = "avec"

// maxCharge bounds periods and full times: no post counts a thousand
// periods, and the bound keeps sums far from overflow.
const maxCharge = 999

// ChargeLine is one line of a staff member's charge: periods (or hours) of a
// function out of that function's full time, or, with negative periods, a
// leave that reduces the charge.
type ChargeLine struct {
	// Code is the function code, or for a leave line the leave code (such
	// as "CN") or "" when the leave is written "avec".
	Code string
	// Periods is positive for a function, negative for a leave.
	Periods int
	// FullTime is the full-time charge the periods are counted against.
	FullTime int
}

// ParseCharge reads a charge as typed in the CSV import or shown in the
// Résumé column. Lines are separated by commas; each is "CODE P/F", or "P/F"
// for defaultFunction, or a leave "CODE -P/F" or "avec -P/F" (code "").
// Examples: "24/24", "IM 13/26", "IP 24/24, CN -24/24", "IP 24/24, avec
// -24/24". A function line must name a function of t (nil means the
// embedded tables); leave codes are not checked, as no table lists them.
// An empty charge gives no lines and no error. Errors name the faulty line.
func ParseCharge(s string, defaultFunction string, t *Tables) ([]ChargeLine, error) {
	t = tablesOrDefault(t)
	all := strings.TrimSpace(s)
	if all == "" {
		return nil, nil
	}
	if hasDecimalComma(all) {
		return nil, fmt.Errorf("charge « %s » : une charge compte des périodes entières, sans virgule décimale ; arrondissez, par exemple « IP 12/24 »", all)
	}
	parts := strings.Split(all, ",")
	lines := make([]ChargeLine, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("charge « %s » : partie vide entre deux virgules ; écrivez par exemple « IP 24/24, CN -24/24 »", all)
		}
		l, err := parseChargeLine(p, defaultFunction, t)
		if err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	return lines, nil
}

func parseChargeLine(p, defaultFunction string, t *Tables) (ChargeLine, error) {
	fields := strings.Fields(p)
	code, rest := "", fields
	if r, _ := utf8.DecodeRuneInString(fields[0]); unicode.IsLetter(r) {
		code, rest = fields[0], fields[1:]
	}
	leave := strings.EqualFold(code, leaveWord)
	frac := strings.Join(rest, "")
	negative := strings.HasPrefix(frac, "-")
	frac = strings.TrimPrefix(frac, "-")
	unreadable := func() (ChargeLine, error) {
		example := "IP 24/24"
		if f, ok := t.Function(defaultFunction); ok {
			example = f.Code + " 24/24"
		}
		switch {
		case leave || (negative && code == ""):
			example = "avec -24/24"
		case validCode(code) && negative:
			example = strings.ToUpper(code) + " -24/24"
		case code != "":
			if f, ok := t.Function(code); ok {
				example = f.Code + " 24/24"
			}
		}
		return ChargeLine{}, fmt.Errorf("charge « %s » illisible : écrivez par exemple « %s »", p, example)
	}
	if code != "" && !leave && !validCode(code) {
		return unreadable()
	}
	num, den, ok := strings.Cut(frac, "/")
	periods, ok1 := chargeNumber(num)
	full, ok2 := chargeNumber(den)
	if !ok || !ok1 || !ok2 {
		return unreadable()
	}
	if periods == 0 {
		return ChargeLine{}, fmt.Errorf("charge « %s » : le nombre de périodes ne peut pas être nul ; retirez cette ligne", p)
	}
	if full == 0 {
		return ChargeLine{}, fmt.Errorf("charge « %s » : le temps plein (après la barre) doit être supérieur à zéro", p)
	}
	if negative {
		if !leave {
			code = strings.ToUpper(code)
		} else {
			code = ""
		}
		return ChargeLine{Code: code, Periods: -periods, FullTime: full}, nil
	}
	if leave {
		return ChargeLine{}, fmt.Errorf("charge « %s » : une ligne « avec » est un congé et doit être négative, par exemple « avec -%d/%d »", p, periods, full)
	}
	if code == "" {
		code = strings.TrimSpace(defaultFunction)
		if code == "" {
			return ChargeLine{}, fmt.Errorf("charge « %s » : précisez la fonction, par exemple « IP %s »", p, frac)
		}
		f, ok := t.Function(code)
		if !ok {
			return ChargeLine{}, fmt.Errorf("charge « %s » : la fonction principale « %s » est inconnue ; précisez la fonction, par exemple « IP %s »", p, code, frac)
		}
		return ChargeLine{Code: f.Code, Periods: periods, FullTime: full}, nil
	}
	f, ok := t.Function(code)
	if !ok {
		return ChargeLine{}, fmt.Errorf("charge « %s » : fonction « %s » inconnue ; utilisez un code de la table des fonctions, par exemple IP ou IM", p, code)
	}
	return ChargeLine{Code: f.Code, Periods: periods, FullTime: full}, nil
}

// hasDecimalComma reports a comma between two digits that is not the end of
// a line's "P/F": "IP 12,5/24" is a decimal, "IP 24/24,CN -24/24" is two
// lines, so is "IP 24/24,12/24".
func hasDecimalComma(s string) bool {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	for i := 1; i+1 < len(s); i++ {
		if s[i] != ',' || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
			continue
		}
		j := i - 1
		for j > 0 && isDigit(s[j-1]) {
			j--
		}
		if j == 0 || s[j-1] != '/' {
			return true
		}
	}
	return false
}

// chargeNumber parses an unsigned decimal of at most three digits.
func chargeNumber(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// FormatResume writes lines as the Résumé column shows them: functions as
// "IP 24/24", leaves as "avec -24/24" whatever their code, joined by ", ".
// ParseCharge reads the result back (leave codes become "").
func FormatResume(lines []ChargeLine) string {
	return formatLines(lines, false)
}

// FormatCharge writes lines for the CSV export, keeping leave codes:
// "IP 24/24, CN -24/24". ParseCharge reads the result back unchanged.
func FormatCharge(lines []ChargeLine) string {
	return formatLines(lines, true)
}

func formatLines(lines []ChargeLine, leaveCodes bool) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString(", ")
		}
		code := l.Code
		if l.Periods < 0 && (!leaveCodes || code == "") {
			code = leaveWord
		}
		if code != "" {
			b.WriteString(code)
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d/%d", l.Periods, l.FullTime)
	}
	return b.String()
}

// OverFullTime finds the first function (in line order) whose positive
// periods, summed over its lines, exceed its full time, as in the demo
// data's "IP 28/24". The line returned holds that code, the sum and the full time
// of the function's first line. Leaves are not deducted: a charge over full
// time is an encoding error whatever the leaves.
func OverFullTime(lines []ChargeLine) (ChargeLine, bool) {
	var totals []ChargeLine
	index := map[string]int{}
	for _, l := range lines {
		if l.Periods <= 0 {
			continue
		}
		i, ok := index[l.Code]
		if !ok {
			i = len(totals)
			index[l.Code] = i
			totals = append(totals, ChargeLine{Code: l.Code, FullTime: l.FullTime})
		}
		totals[i].Periods += l.Periods
	}
	for _, t := range totals {
		if t.Periods > t.FullTime {
			return t, true
		}
	}
	return ChargeLine{}, false
}
