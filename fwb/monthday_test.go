package fwb

import (
	"testing"
	"time"
)

func TestParseMonthDay(t *testing.T) {
	for in, want := range map[string]MonthDay{"30/09": {time.September, 30}, "1/10": {time.October, 1}, " 15/09 ": {time.September, 15}, "29/02": {time.February, 29}} {
		if got, err := ParseMonthDay(in); err != nil || got != want {
			t.Errorf("ParseMonthDay(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "30", "31/09", "00/10", "15/13", "septembre", "30/09x", "30/09/2027"} {
		if _, err := ParseMonthDay(in); err == nil {
			t.Errorf("ParseMonthDay(%q) accepted", in)
		}
	}
}
