// Package fwb holds the rules of the Fédération Wallonie-Bruxelles (FWB) that
// Passerelle relies on: the Belgian national number (NISS, numéro national)
// and its BIS variant, the FWB staff number (matricule ministériel), the
// school-year calendar since the 2022 reform, the function and situation code
// tables, and the charge lines of a staff member's situation ("IP 24/24,
// avec -24/24").
//
// The package knows nothing of storage, HTTP or templates. Its errors are in
// French, name the faulty value and say what to write instead, because they
// end up in import reports and forms read by school secretaries. Number
// errors wrap ErrFormat, ErrCheckDigits, ErrBirthDate, ErrSexDigit or
// ErrMismatch so that callers can classify them with errors.Is.
//
// Dates are civil dates: midnight UTC of the day (see Date), never a moment.
//
// The code tables are data, embedded from functions.csv and situations.csv:
// schools use codes that no list foresees, so Tables.Extend adds them
// without a new release.
package fwb
